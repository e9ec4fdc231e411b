"""The MOJ Frontend macros produce MOJ Frontend's markup.

MOJ Frontend's npm package ships no HTML fixtures, so each expected snippet below is what its
Nunjucks template (moj/components/<name>/template.njk, 11.1.0) renders for the same params,
compared with whitespace between tags collapsed.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from flask import Flask, render_template_string


def _html(text: str) -> str:
    """Markup with whitespace next to tags dropped (the macros and the Nunjucks templates indent differently)."""
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", text)).strip()


@pytest.fixture
def render(make_app: Callable[..., Flask]) -> Callable[..., str]:
    app = make_app()

    def render(source: str, **context: object) -> str:
        with app.test_request_context():
            return _html(render_template_string(source, **context))

    return render


def test_badge(render: Callable[..., str]) -> None:
    source = '{% from "govuk_layout/moj/badge.html" import mojBadge %}{{ mojBadge(params) }}'
    html = render(source, params={"text": "Urgent", "classes": "moj-badge--red", "label": "Urgent request"})
    assert html == '<span class="moj-badge moj-badge--red" aria-label="Urgent request">Urgent</span>'
    assert render(source, params={"html": "<b>3</b> new"}) == _html('<span class="moj-badge"><b>3</b> new</span>')
    assert render(source, params={"text": "<b>"}) == '<span class="moj-badge">&lt;b&gt;</span>'


def test_timeline(render: Callable[..., str]) -> None:
    source = '{% from "govuk_layout/moj/timeline.html" import mojTimeline %}{{ mojTimeline(params) }}'
    params = {
        "headingLevel": 3,
        "items": [
            {
                "label": {"text": "Request approved"},
                "byline": {"text": "Ana Smith"},
                "datetime": {"timestamp": datetime.datetime(2026, 11, 29, 13, 32), "type": "datetime"},
                "text": "Access granted to the dashboard.",
            },
            {
                "label": {"text": "Request sent"},
                "datetime": {"timestamp": "2026-11-28T09:00:00", "type": "shortdatetime"},
                "html": '<p class="govuk-body">By email</p>',
            },
        ],
    }
    assert render(source, params=params) == _html(
        """
        <div class="moj-timeline">
          <div class="moj-timeline__item">
            <div class="moj-timeline__header">
              <h3 class="moj-timeline__title">Request approved</h3>
              <p class="moj-timeline__byline">by Ana Smith</p>
            </div>
            <p class="moj-timeline__date"><time datetime="2026-11-29T13:32:00">29 November 2026 at 1:32pm</time></p>
            <div class="moj-timeline__description">Access granted to the dashboard.</div>
          </div>
          <div class="moj-timeline__item">
            <div class="moj-timeline__header"><h3 class="moj-timeline__title">Request sent</h3></div>
            <p class="moj-timeline__date"><time datetime="2026-11-28T09:00:00">28 Nov 2026 at 9am</time></p>
            <div class="moj-timeline__description"><p class="govuk-body">By email</p></div>
          </div>
        </div>
        """
    )


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("datetime", "1 January 2026 at 12:05am"),
        ("shortdatetime", "1 Jan 2026 at 12:05am"),
        ("date", "1 January 2026"),
        ("shortdate", "1 Jan 2026"),
        ("time", "12:05am"),
    ],
)
def test_moj_date_styles(render: Callable[..., str], kind: str, text: str) -> None:
    moment = datetime.datetime(2026, 1, 1, 0, 5)
    assert render("{{ moment | moj_date(kind) }}", moment=moment, kind=kind) == text


def test_sortable_table(render: Callable[..., str]) -> None:
    source = '{% from "govuk_layout/moj/sortable_table.html" import mojSortableTable %}{{ mojSortableTable(params) }}'
    params = {
        "caption": "Requests",
        "head": [{"text": "Name", "sort": "ascending"}, {"text": "Sent", "sort": "none"}, {"text": "Notes"}],
        "rows": [
            [{"text": "Ana"}, {"text": "29 Nov 2026", "sortValue": "2026-11-29"}, {"text": "-"}],
            [{"text": "Bo"}, {"text": "1 Jan 2026", "sortValue": "2026-01-01"}, {"text": "-"}],
        ],
    }
    html = render(source, params=params)
    assert html.startswith('<table class="govuk-table" data-module="moj-sortable-table">')
    assert '<th scope="col" class="govuk-table__header" aria-sort="ascending">Name</th>' in html
    assert '<th scope="col" class="govuk-table__header" aria-sort="none">Sent</th>' in html
    assert '<th scope="col" class="govuk-table__header">Notes</th>' in html
    assert '<td class="govuk-table__cell" data-sort-value="2026-11-29">29 Nov 2026</td>' in html
    assert html.count('<tr class="govuk-table__row">') == 3


def test_filter_layout(render: Callable[..., str]) -> None:
    source = """
    {% from "govuk_layout/moj/filter.html" import mojFilter, mojFilterLayout %}
    {% call mojFilterLayout(mojFilter(params)) %}<p class="govuk-body">2 results</p>{% endcall %}
    """
    params = {
        "heading": {"text": "Filter"},
        "selectedFilters": {
            "heading": {"text": "Selected filters"},
            "clearLink": {"text": "Clear filters", "href": "?"},
            "categories": [{"heading": {"text": "Status"}, "items": [{"text": "Open", "href": "?status="}]}],
        },
        "optionsHtml": '<div class="govuk-form-group">options</div>',
    }
    html = render(source, params=params)
    assert html == _html(
        """
        <div class="moj-filter-layout">
          <div class="moj-filter-layout__filter">
            <div class="moj-filter" data-module="moj-filter">
              <div class="moj-filter__header">
                <div class="moj-filter__header-title"><h2 class="govuk-heading-m">Filter</h2></div>
                <div class="moj-filter__header-action"></div>
              </div>
              <div class="moj-filter__content">
                <div class="moj-filter__selected">
                  <div class="moj-filter__selected-heading">
                    <div class="moj-filter__heading-title"><h2 class="govuk-heading-m">Selected filters</h2></div>
                    <div class="moj-filter__heading-action">
                      <p><a class="govuk-link govuk-link--no-visited-state" href="?">Clear filters</a></p>
                    </div>
                  </div>
                  <h3 class="govuk-heading-s govuk-!-margin-bottom-0">Status</h3>
                  <ul class="moj-filter-tags">
                    <li><a class="moj-filter__tag" href="?status=">
                      <span class="govuk-visually-hidden">Remove this filter</span> Open</a></li>
                  </ul>
                </div>
                <div class="moj-filter__options">
                  <button type="submit" class="govuk-button" data-module="govuk-button">Apply filters</button>
                  <div class="govuk-form-group">options</div>
                </div>
              </div>
            </div>
          </div>
          <div class="moj-filter-layout__content"><p class="govuk-body">2 results</p></div>
        </div>
        """
    )


def test_header_with_navigation(render: Callable[..., str]) -> None:
    source = '{% from "govuk_layout/moj/header.html" import mojHeader %}{{ mojHeader(params) }}'
    params = {
        "logo": {"src": "/crest.svg"},
        "organisationLabel": {"text": "Ministry of Justice", "href": "/"},
        "serviceLabel": {"text": "Staff"},
        "navigation": {"label": "Account", "items": [{"text": "Sign out", "href": "/sign-out", "active": True}]},
    }
    assert render(source, params=params) == _html(
        """
        <div class="moj-header">
          <div class="moj-header__container">
            <div class="moj-header__logo">
              <img class="moj-header__logotype-crest" src="/crest.svg" alt="" width="40" height="40">
              <a class="moj-header__link moj-header__link--organisation-name" href="/">Ministry of Justice</a>
              <span class="moj-header__link moj-header__link--service-name">Staff</span>
            </div>
            <div class="moj-header__content">
              <nav class="moj-header__navigation" aria-label="Account">
                <ul class="moj-header__navigation-list">
                  <li class="moj-header__navigation-item">
                    <a class="moj-header__navigation-link" href="/sign-out" aria-current="page">Sign out</a>
                  </li>
                </ul>
              </nav>
            </div>
          </div>
        </div>
        """
    )
