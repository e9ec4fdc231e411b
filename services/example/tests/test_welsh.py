"""The whole journey in Welsh: every page, hint and error message, and the stored request the same in both languages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from example_support import CATALOGUE_ROOTS, future_date, reference_on, table_items, valid_answers, welsh_page
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from example.model import organisation_name, status_name
from govuk_layout import catalogues
from govuk_layout.i18n import govuk_date


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match
    return " ".join(match.group(1).split())


@pytest.fixture
def welsh(client: FlaskClient) -> FlaskClient:
    """A client that chose Cymraeg on the start page."""
    page = welsh_page(client.get("/?lang=cy"))
    assert "Gofyn am fynediad i wasanaeth Peirianneg Gweithrediadau" in page
    return client


# Each question's error when sent empty, in Welsh.
EMPTY_ERRORS = {
    "full-name": "Rhowch eich enw llawn",
    "email": "Rhowch eich cyfeiriad e-bost gwaith",
    "organisation": "Dewiswch y sefydliad y mae angen mynediad iddo arnoch",
    "reason": "Rhowch y rheswm pam mae angen mynediad arnoch",
    "start-date": "Rhowch y dyddiad y mae angen mynediad arnoch ohono",
}


def test_the_whole_journey_in_welsh(app: Flask, welsh: FlaskClient, post_form: Callable[..., TestResponse]) -> None:
    for slug, data in valid_answers().items():
        welsh_page(welsh.get(f"/request/{slug}"))
        with post_form(f"/request/{slug}", {}) as refused:
            assert refused.status_code == 400
            html = welsh_page(refused)
            assert title(html).startswith("Gwall: ")
            assert "Mae problem" in html
            assert EMPTY_ERRORS[slug] in html
            assert '<span class="govuk-visually-hidden">Gwall:</span>' in html
        with post_form(f"/request/{slug}", data) as answered:
            assert answered.status_code == 302, slug

    check = welsh_page(welsh.get("/request/check-answers"))
    assert "Gwiriwch eich atebion cyn anfon eich cais" in check
    assert "Sefydliad GitHub moj-analytical-services" in check
    with app.test_request_context("/?lang=cy"):
        assert govuk_date(future_date()) in check
    assert check.count(">Newid<") == len(valid_answers())

    with post_form("/request/check-answers") as sent:
        assert sent.status_code == 302
    confirmation = welsh_page(welsh.get("/request/confirmation"))
    assert "Cais wedi’i anfon" in confirmation
    reference = reference_on(confirmation)

    # Stored by code and ISO date: nothing in the item depends on the language it was sent in.
    [item] = table_items(app)
    assert item["organisation"] == {"S": "moj-analytical-services"}
    assert item["start_date"] == {"S": future_date().isoformat()}
    assert item["status"] == {"S": "Received"}

    with post_form("/status", {"reference": "RA-2222-2222"}) as unknown:
        assert unknown.status_code == 404
        assert "Nid oes cais gyda’r cyfeirnod RA-2222-2222" in welsh_page(unknown)
    detail = welsh_page(welsh.get(f"/status/{reference}"))
    assert "Statws eich cais" in detail
    assert "Wedi dod i law" in detail
    assert "Sefydliad GitHub moj-analytical-services" in detail

    # The same request reads in English after switching, from the same stored item.
    english = welsh.get(f"/status/{reference}?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in english
    assert "moj-analytical-services GitHub organisation" in english
    assert "Received" in english


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["", "3", "2030"], "Rhaid i’r dyddiad y mae angen mynediad arnoch ohono gynnwys diwrnod"),
        (["4", "", ""], "Rhaid i’r dyddiad y mae angen mynediad arnoch ohono gynnwys mis a blwyddyn"),
        (["31", "2", "2030"], "Rhaid i’r dyddiad y mae angen mynediad arnoch ohono fod yn ddyddiad go iawn"),
        (["4", "3", "30"], "Rhaid i’r flwyddyn gynnwys 4 rhif"),
        (["4", "3", "2001"], "Rhaid i’r dyddiad y mae angen mynediad arnoch ohono fod heddiw neu yn y dyfodol"),
    ],
)
def test_date_errors_in_welsh(
    welsh: FlaskClient,
    post_form: Callable[..., TestResponse],
    answer_all: Callable[[], None],
    parts: list[str],
    message: str,
) -> None:
    answer_all()
    with post_form("/request/start-date", {"start_date": parts}) as refused:
        assert refused.status_code == 400
        html = welsh_page(refused)
        assert message in html
        for part, label in (("day", "Diwrnod"), ("month", "Mis"), ("year", "Blwyddyn")):
            assert re.search(rf'for="start_date-{part}">\s*{label}\s*<', html), part


def test_the_character_count_speaks_welsh(welsh: FlaskClient, answer_all: Callable[[], None]) -> None:
    answer_all()
    html = welsh_page(welsh.get("/request/reason?change=1"))
    assert "Gallwch ddefnyddio hyd at 500 nod" in html
    for category in ("zero", "one", "two", "few", "many", "other"):
        assert f'data-i18n.characters-under-limit.{category}="Mae gennych %{{count}} nod ar ôl"' in html
        assert f'data-i18n.characters-over-limit.{category}="Mae gennych %{{count}} nod yn ormod"' in html


def test_check_answers_shows_each_answer_in_the_language_of_each_request(
    app: Flask, client: FlaskClient, answer_all: Callable[[], None]
) -> None:
    # A date or an organisation is formatted once per language and kept (Question.displayer): back and forth.
    answer_all()
    for language in ("en", "cy", "en", "cy"):
        client.get(f"/?lang={language}")
        page = client.get("/request/check-answers").get_data(as_text=True)
        assert f'<html lang="{language}"' in page
        with app.test_request_context(f"/?lang={language}"):
            assert govuk_date(future_date()) in page
            assert str(organisation_name("moj-analytical-services")) in page


def test_names_follow_the_page_language(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        assert organisation_name("moj-analytical-services") == "moj-analytical-services GitHub organisation"
        assert organisation_name("retired-org") == "retired-org"  # a request from before an organisation was removed
        assert status_name("Received") == "Received"
    with app.test_request_context("/?lang=cy"):
        assert organisation_name("moj-analytical-services") == "Sefydliad GitHub moj-analytical-services"
        assert organisation_name("retired-org") == "retired-org"
        assert status_name("Received") == "Wedi dod i law"


def test_the_example_catalogue_is_complete_and_compiled() -> None:
    assert catalogues.languages(CATALOGUE_ROOTS[1]) == ["cy"]
    assert catalogues.problems(CATALOGUE_ROOTS[1]) == []
