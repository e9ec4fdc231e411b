"""What a service sets by config rather than copying the layout: footer links, the banner's words, its own layout."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask, abort, render_template, render_template_string, request
from wtforms import Form, StringField
from wtforms.validators import DataRequired

from govuk_layout import ConfigError, GovukLayout
from govuk_layout.testing import TEST_CONFIG

FOOTER_LINKS = [{"text": "Contact us", "endpoint": "contact"}, {"text": "Help", "href": "https://help.example/"}]
CATALOGUE = {"Contact us": "Cysylltu â ni", "Tell us [what you think] of it.": "Dywedwch [beth yw eich barn] amdano."}


def footer_links(html: str) -> list[tuple[str, str]]:
    footer = html[html.index('class="govuk-footer"') :]
    return re.findall(r'<a class="govuk-footer__link" href="([^"]*)"[^>]*>\s*([^<]*?)\s*</a>', footer)


def welsh_catalogue(folder: Path) -> str:
    catalog = Catalog(locale="cy")
    for english, welsh in CATALOGUE.items():
        catalog.add(english, welsh)
    (folder / "cy" / "LC_MESSAGES").mkdir(parents=True)
    with (folder / "cy" / "LC_MESSAGES" / "messages.mo").open("wb") as file:
        write_mo(file, catalog)
    return str(folder)


def with_contact(app: Flask) -> Flask:
    app.add_url_rule("/contact", "contact", lambda: "contact")
    return app


def test_footer_links_follow_the_standard_ones_in_english_and_welsh(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = with_contact(
        make_app(
            GOVUK_FOOTER_LINKS=FOOTER_LINKS,
            GOVUK_LANGUAGES=["en", "cy"],
            BABEL_TRANSLATION_DIRECTORIES=welsh_catalogue(tmp_path),
        )
    )
    client = app.test_client()
    assert footer_links(client.get("/cookies").get_data(as_text=True))[:5] == [
        ("/cookies", "Cookies"),
        ("/accessibility", "Accessibility statement"),
        ("/privacy", "Privacy"),
        ("/contact", "Contact us"),
        ("https://help.example/", "Help"),
    ]
    assert footer_links(client.get("/privacy?lang=cy").get_data(as_text=True))[:5] == [
        ("/cookies", "Cwcis"),
        ("/accessibility", "Datganiad hygyrchedd"),
        ("/privacy", "Preifatrwydd"),
        ("/contact", "Cysylltu â ni"),
        ("https://help.example/", "Help"),
    ]
    # Error pages carry them too.
    assert ("/contact", "Contact us") in footer_links(client.get("/no/such/page?lang=en").get_data(as_text=True))


@pytest.mark.parametrize(
    ("links", "problem"),
    [
        ([{"text": "Contact"}], "an href or an endpoint"),
        ([{"text": "Contact", "href": "/contact", "endpoint": "contact"}], "an href or an endpoint"),
        ([{"text": "Contact", "href": "javascript:alert(1)"}], "must start with"),
        ([{"text": "", "href": "/contact"}], "GOVUK_FOOTER_LINKS.0.text"),
    ],
)
def test_bad_footer_links_are_refused_at_start_up(
    make_app: Callable[..., Flask], links: list[dict[str, str]], problem: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        make_app(GOVUK_FOOTER_LINKS=links)


def test_footer_links_from_the_environment_are_json(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask]
) -> None:
    monkeypatch.setenv("GOVUK_FOOTER_LINKS", '[{"text": "Help", "href": "/help"}]')
    assert ("/help", "Help") in footer_links(make_app().test_client().get("/cookies").get_data(as_text=True))


def test_a_footer_endpoint_the_app_lacks_is_named(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_FOOTER_LINKS=[{"text": "Contact us", "endpoint": "contact"}])
    with app.test_request_context(), pytest.raises(ConfigError, match="no endpoint 'contact'"):
        render_template_string('{% extends "govuk_layout/base.html" %}')


def phase_banner(html: str) -> str:
    match = re.search(r'<p class="govuk-phase-banner__content">(.*?)</p>', html, re.S)
    assert match, "no phase banner"
    return re.sub(r"\s+", " ", match.group(1))


def test_the_phase_banner_says_what_the_service_sets_with_its_feedback_link(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app(
        GOVUK_PHASE_BANNER_TEXT="Tell us [what you think] of it.",
        GOVUK_FEEDBACK_URL="https://feedback.example/?a=1&b=2",
        GOVUK_LANGUAGES=["en", "cy"],
        BABEL_TRANSLATION_DIRECTORIES=welsh_catalogue(tmp_path),
    )
    client = app.test_client()
    english = phase_banner(client.get("/cookies").get_data(as_text=True))
    assert (
        'Tell us <a class="govuk-link" href="https://feedback.example/?a=1&amp;b=2">what you think</a> of it.'
        in english
    )
    assert "This is a new service" not in english
    welsh = phase_banner(client.get("/cookies?lang=cy").get_data(as_text=True))
    assert 'Dywedwch <a class="govuk-link" href="https://feedback.example/?a=1&amp;b=2">beth yw eich barn</a>' in welsh


def test_phase_banner_text_is_text_not_html(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_PHASE_BANNER_TEXT="<script>x</script> [feedback] & more")
    banner = phase_banner(app.test_client().get("/cookies").get_data(as_text=True))
    assert "&lt;script&gt;x&lt;/script&gt;" in banner and "<script>" not in banner
    assert '<a class="govuk-link" href="mailto:team@justice.gov.uk">feedback</a> &amp; more' in banner


def test_without_phase_banner_text_the_standard_sentence_stays(make_app: Callable[..., Flask]) -> None:
    banner = phase_banner(make_app().test_client().get("/cookies").get_data(as_text=True))
    assert (
        'Help us improve it and <a class="govuk-link" href="mailto:team@justice.gov.uk">give your feedback</a>'
        in banner
    )


LAYOUT = """{% extends "govuk_layout/base.html" %}
{% block headExtra %}<link rel="stylesheet" href="/static/fishing.css">{% endblock %}
{% block containerStart %}{{ super() }}<p class="fishing-notice">Rod licences only</p>{% endblock %}
"""
FORM_PAGE = """{% extends "govuk_layout/form_page.html" %}
{% block title %}Your name{% endblock %}
{% block form_content %}<h1 class="govuk-heading-l">Your name</h1>{% endblock %}
"""


class _NameForm(Form):  # type: ignore[misc]
    name = StringField("Your name", validators=[DataRequired("Enter your name")])


def service_app(tmp_path: Path, **config: object) -> Flask:
    """An app with its own templates folder: its layout, and a form page."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "layout.html").write_text(LAYOUT)
    (tmp_path / "templates" / "name.html").write_text(FORM_PAGE)
    app = Flask("fishing", root_path=str(tmp_path))
    app.config.update(
        TEST_CONFIG, GOVUK_SERVICE_NAME="Apply for a fishing licence", GOVUK_CONTACT_EMAIL="fish@justice.gov.uk"
    )
    app.config.update(config)
    GovukLayout(app)

    @app.route("/name", methods=["GET", "POST"])
    def name() -> str:
        form = _NameForm(request.form)
        if request.method == "POST":
            form.validate()
        return render_template("name.html", form=form)

    app.add_url_rule("/forbidden", "forbidden", lambda: abort(403))
    return app


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/name", 200),
        ("POST", "/name", 400),  # no CSRF token: the "page has timed out" page
        ("GET", "/cookies", 200),
        ("GET", "/accessibility", 200),
        ("GET", "/privacy", 200),
        ("GET", "/session/expired", 200),
        ("GET", "/no/such/page", 404),
        ("GET", "/forbidden", 403),
        ("DELETE", "/privacy", 405),
    ],
)
def test_every_package_page_extends_the_services_layout(tmp_path: Path, method: str, path: str, status: int) -> None:
    client = service_app(tmp_path, GOVUK_BASE_TEMPLATE="layout.html").test_client()
    response = client.open(path, method=method)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/fishing.css">' in html
    assert '<p class="fishing-notice">Rod licences only</p>' in html
    assert 'class="govuk-footer' in html and "govuk-frontend" in html  # still the whole GOV.UK page


def test_the_form_page_shows_its_error_in_the_services_layout(tmp_path: Path) -> None:
    client = service_app(tmp_path, GOVUK_BASE_TEMPLATE="layout.html", WTF_CSRF_ENABLED=False).test_client()
    html = client.post("/name", data={"name": ""}).get_data(as_text=True)
    assert "<title>Error: Your name – Apply for a fishing licence – Ministry of Justice</title>" in html
    assert '<a href="#name">Enter your name</a>' in html
    assert "fishing.css" in html


def test_without_a_layout_of_its_own_package_pages_extend_the_packages(tmp_path: Path) -> None:
    html = service_app(tmp_path).test_client().get("/cookies").get_data(as_text=True)
    assert "fishing.css" not in html
    assert 'class="govuk-footer' in html


BROKEN_LAYOUT = """{% extends "govuk_layout/base.html" %}
{% block headExtra %}{{ no_such_helper() }}{% endblock %}
"""


@pytest.mark.parametrize("layout", ["broken.html", "no-such-layout.html"])
def test_error_pages_fall_back_to_the_packages_layout_when_the_services_fails(tmp_path: Path, layout: str) -> None:
    app = service_app(tmp_path, GOVUK_BASE_TEMPLATE=layout)
    (tmp_path / "templates" / "broken.html").write_text(BROKEN_LAYOUT)
    client = app.test_client()
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "<title>Page not found – Apply for a fishing licence – Ministry of Justice</title>" in missing.text
    failed = client.get("/cookies")  # the page itself cannot render: the GOV.UK 500 page, on the package's layout
    assert failed.status_code == 500
    assert "Sorry, there is a problem with the service – Apply for a fishing licence" in failed.text
    assert 'class="govuk-footer' in failed.text and "Traceback" not in failed.text
