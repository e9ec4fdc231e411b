"""GOVUK_BRAND: GOV.UK's chrome on GOV.UK, the organisation's (MOJ Design System header, Arial) elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from govuk_layout import ConfigError, assets
from govuk_layout.config import brand_for

FIXTURES = Path(__file__).parent / "fixtures"
START = (
    '{% extends "govuk_layout/base.html" %}{% block title %}Start{% endblock %}'
    '{% block content %}<p class="govuk-body">Hello</p>{% endblock %}'
)


@pytest.mark.parametrize(
    ("url", "brand"),
    [
        ("https://apply-for-a-thing.service.gov.uk/", "govuk"),
        ("https://apply.service.gov.uk./start", "govuk"),
        ("https://operations-engineering-example-dev.cloud-platform.service.justice.gov.uk/", "organisation"),
        ("https://service.gov.uk.example.com/", "organisation"),
        ("https://www.gov.uk/", "organisation"),
        ("/", "organisation"),
    ],
)
def test_the_brand_follows_the_service_url(url: str, brand: str) -> None:
    assert brand_for(url) == brand


def _app(make_app: Callable[..., Flask], **config: object) -> Flask:
    app = make_app(**{"GOVUK_BRAND": None, **config})
    app.add_url_rule("/start", "start", lambda: render_template_string(START))
    return app


def test_an_explicit_brand_wins_and_an_empty_one_means_unset(make_app: Callable[..., Flask]) -> None:
    on_govuk = "https://apply.service.gov.uk/"
    assert _app(make_app, GOVUK_SERVICE_URL=on_govuk).config["GOVUK_BRAND"] == "govuk"
    assert (
        _app(make_app, GOVUK_SERVICE_URL=on_govuk, GOVUK_BRAND="organisation").config["GOVUK_BRAND"] == "organisation"
    )
    assert _app(make_app, GOVUK_BRAND="govuk").config["GOVUK_BRAND"] == "govuk"
    assert _app(make_app, GOVUK_SERVICE_URL=on_govuk, GOVUK_BRAND="").config["GOVUK_BRAND"] == "govuk"
    assert _app(make_app).config["GOVUK_BRAND"] == "organisation"


def test_the_brand_from_the_environment(make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVUK_BRAND", "govuk")
    assert _app(make_app).config["GOVUK_BRAND"] == "govuk"


@pytest.mark.parametrize(("key", "value"), [("GOVUK_BRAND", "gov.uk"), ("GOVUK_ORGANISATION_LOGO", "javascript:x")])
def test_a_bad_brand_setting_stops_the_app(make_app: Callable[..., Flask], key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        _app(make_app, **{key: value})


def _served(client: FlaskClient, url: str) -> str:
    """An asset's text, closing WhiteNoise's file."""
    with client.get(url) as response:
        assert response.status_code == 200, url
        return response.get_data(as_text=True)


def _normalised(html: str) -> str:
    """The page without per-request values (nonce, CSRF token), asset fingerprints (they follow the assets'
    content), trailing spaces or whitespace-only lines."""
    html = re.sub(r'nonce="[^"]+"', 'nonce="NONCE"', html)
    html = re.sub(r"\.[0-9a-f]{12}\.", ".FINGERPRINT.", html)
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="CSRF"', html)
    return "\n".join(line.rstrip() for line in html.splitlines() if line.strip())


def test_a_service_on_govuk_renders_todays_govuk_page(make_app: Callable[..., Flask]) -> None:
    """The fixture is this page as govuk-layout rendered it before brands existed."""
    app = make_app(
        GOVUK_BRAND=None,
        GOVUK_SERVICE_URL="https://apply-for-a-thing.service.gov.uk/",
        GOVUK_NAVIGATION=[{"text": "Home", "href": "/start"}],
        GOVUK_GOOGLE_ANALYTICS_ID="G-TEST1234",  # the banner then asks about analytics, as it always did then
    )
    app.add_url_rule("/start", "start", lambda: render_template_string(START))
    html = app.test_client().get("/start").text
    expected = (FIXTURES / "govuk_brand_page.html").read_text()
    assert _normalised(html) == _normalised(expected)


@pytest.fixture
def organisation(make_app: Callable[..., Flask]) -> Flask:
    return _app(make_app)


def test_the_organisation_brand_has_the_moj_header_and_no_govuk_chrome(organisation: Flask) -> None:
    client = organisation.test_client()
    html = client.get("/start").text
    assert "<title>Start – Apply for a thing – Ministry of Justice</title>" in html
    assert "GOV.UK" not in html
    # No crown, logotype or crest: not the GOV.UK header, not the footer's crown, not GOV.UK's icons.
    for govuk in ("govuk-header", "govuk-logo", "govuk-footer__crown", "favicon", "govuk-icon", "manifest"):
        assert govuk not in html, govuk
    header = re.search(r'<div class="moj-header">.*?</div>\s*</div>\s*</div>', html, re.S)
    assert header, "no MOJ header"
    logo = re.search(r'<img class="moj-header__logotype-crest" src="([^"]+)" alt="" width="40" height="40">', header[0])
    assert logo and logo[1] == "/assets/" + assets.load_manifest(assets.DEFAULT_DEST)[assets.MOJ_CREST]
    assert (
        '<a class="moj-header__link moj-header__link--organisation-name" href="/">Ministry of Justice</a>' in header[0]
    )
    assert _served(client, logo[1]).startswith("<svg")
    # The service name and navigation stay in GOV.UK's service navigation; the footer keeps the licence text.
    assert 'class="govuk-service-navigation__service-name"' in html
    assert "Open Government Licence v3.0" in html and "© Crown copyright" in html
    assert 'name="theme-color" content="#0b0c0c"' in html


def test_the_organisation_name_and_logo_come_from_config(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app, GOVUK_DEPARTMENT="HM Prison and Probation Service", GOVUK_ORGANISATION_LOGO="/static/logo.svg")
    html = app.test_client().get("/start").text
    assert "<title>Start – Apply for a thing – HM Prison and Probation Service</title>" in html
    assert 'src="/static/logo.svg"' in html and "moj-logotype-crest" not in html.split("<body")[1].split("</header>")[0]
    assert 'moj-header__link--organisation-name" href="/">HM Prison and Probation Service</a>' in html


def test_the_organisation_stylesheet_loads_no_font_and_no_crest(organisation: Flask) -> None:
    client = organisation.test_client()
    html = client.get("/start").text
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert len(stylesheets) == 1 and assets.ORGANISATION_CSS.removesuffix(".min.css") in stylesheets[0]
    css = _served(client, stylesheets[0])
    assert "@font-face" not in css and "GDS Transport" not in css and "woff" not in css
    assert "govuk-crest" not in css and ".govuk-footer__copyright-logo:before" not in css
    assert "font-family:arial,helvetica,sans-serif" in css and ".moj-header{" in css
    for url in re.findall(r"url\(([^)]+)\)", css):  # whatever is left (none today) is served
        _served(client, urljoin(stylesheets[0], url))


def test_every_page_the_package_provides_renders_in_the_organisation_brand(organisation: Flask) -> None:
    client = organisation.test_client()
    for path, status in (("/cookies", 200), ("/accessibility", 200), ("/privacy", 200), ("/nope", 404)):
        response = client.get(path)
        assert response.status_code == status
        html = response.get_data(as_text=True)
        assert 'class="moj-header"' in html and "govuk-header" not in html and "– Ministry of Justice</title>" in html


@pytest.mark.parametrize("brand", ["govuk", "organisation"])
def test_moj_frontend_loads_only_on_pages_that_use_it(make_app: Callable[..., Flask], brand: str) -> None:
    app = _app(make_app, GOVUK_BRAND=brand)
    with_moj = "{% set moj_components = true %}" + START
    app.add_url_rule("/staff", "staff", lambda: render_template_string(with_moj))
    client = app.test_client()
    plain = client.get("/start").text
    assert "moj-frontend" not in plain
    staff = client.get("/staff").text
    manifest = assets.load_manifest(assets.DEFAULT_DEST)
    assert f'<link rel="stylesheet" href="/assets/{manifest[assets.MOJ_CSS[brand]]}">' in staff
    assert f'import {{ initAll }} from "/assets/{manifest[assets.MOJ_JS]}"' in staff
    css = _served(client, "/assets/" + manifest[assets.MOJ_CSS[brand]])
    assert ("GDS Transport" in css) is (brand == "govuk")


def test_the_govuk_footer_crest_has_its_own_stylesheet(make_app: Callable[..., Flask]) -> None:
    """A first visit does not download the crest: its stylesheet comes through <noscript> or, with JavaScript,
    when the footer nears the viewport (the browser side is in the example's e2e tests)."""
    client = _app(make_app, GOVUK_BRAND="govuk").test_client()
    html = client.get("/start").text
    (main,) = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html.split("<noscript>")[0])
    crest = re.findall(r'<noscript><link rel="stylesheet" href="([^"]+)"></noscript>', html)
    assert crest and assets.CREST_CSS.removesuffix(".min.css") in crest[0]
    assert f'link.href = "{crest[0]}"' in html and "new IntersectionObserver" in html
    main_css = _served(client, main)
    assert "govuk-crest" not in main_css and "@font-face{font-family:GDS Transport" in main_css
    assert ".govuk-footer__copyright-logo:before{" in main_css  # the crest's box, so the footer does not move
    with client.get(crest[0]) as response:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        crest_css = response.get_data(as_text=True)
    images = set(re.findall(r"url\(([^)]+)\)", crest_css))
    assert len(images) == 1 and "govuk-crest" in next(iter(images))
    assert _served(client, urljoin(crest[0], images.pop())).startswith("<svg")
