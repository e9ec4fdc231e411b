"""Running under a path prefix: the proxy strips ``/fish`` and says so in ``X-Forwarded-Prefix``."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask, redirect, url_for
from flask.testing import FlaskClient

from govuk_layout.testing import csrf_token

PREFIX = {"X-Forwarded-Prefix": "/fish"}
LINKS = {
    "GOVUK_NAVIGATION": [{"text": "Apply", "href": "/apply"}],
    "GOVUK_FOOTER_LINKS": [{"text": "Help", "href": "/help"}, {"text": "Home", "endpoint": "home"}],
    "GOVUK_FEEDBACK_URL": "/feedback",
}


@pytest.fixture
def prefixed(make_analytics_app: Callable[..., Flask]) -> FlaskClient:
    app = make_analytics_app(**LINKS)  # analytics on: the banner's choice and its confirmation are under test

    @app.get("/go")
    def go() -> object:
        return redirect(url_for("govuk_layout.privacy"))

    return app.test_client()


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'(?:href|src|action|from)="([^"]+)"', html)) | set(re.findall(r'from "([^"]+)"', html))


def test_every_link_asset_and_form_on_a_page_carries_the_prefix(prefixed: FlaskClient) -> None:
    html = prefixed.get("/privacy", headers=PREFIX).get_data(as_text=True)
    paths = {link for link in hrefs(html) if link.startswith("/")}
    assert paths, "no links found"
    assert all(link.startswith("/fish/") for link in paths), sorted(
        link for link in paths if not link.startswith("/fish/")
    )
    assert {"/fish/", "/fish/apply", "/fish/help", "/fish/feedback", "/fish/cookies", "/fish/privacy"} <= paths
    assert any(link.startswith("/fish/assets/govuk-frontend") and link.endswith(".js") for link in paths)
    assert any(link.startswith("/fish/assets/") and link.endswith(".css") for link in paths)
    assert 'name="next" value="/fish/privacy"' in html


def test_the_assets_a_prefixed_page_links_are_served(prefixed: FlaskClient) -> None:
    html = prefixed.get("/privacy", headers=PREFIX).get_data(as_text=True)
    stylesheet = re.search(r'<link rel="stylesheet" href="/fish(/assets/[^"]+\.css)"', html)
    assert stylesheet
    # The proxy strips the prefix before the app sees the path.
    with prefixed.get(stylesheet.group(1), headers=PREFIX) as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
        # Its fonts and images are relative to it, so they resolve under the prefix too.
        assert b"url(../" in css.data or b"url(fonts/" in css.data or b"url(images/" in css.data
        assert b'url("/' not in css.data and b"url(/" not in css.data


def test_redirects_and_the_cookie_choice_work_under_the_prefix(prefixed: FlaskClient) -> None:
    assert prefixed.get("/go", headers=PREFIX).headers["Location"] == "/fish/privacy"
    token = csrf_token(prefixed.get("/privacy", headers=PREFIX).get_data(as_text=True))
    response = prefixed.post(
        "/cookies",
        data={"csrf_token": token, "analytics": "no", "source": "banner", "next": "/fish/privacy"},
        headers=PREFIX,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/fish/privacy"
    # Path=/ covers the prefix (and the session cookie's __Host- name requires it).
    assert all("Path=/" in cookie for cookie in response.headers.getlist("Set-Cookie"))
    html = prefixed.get("/privacy", headers=PREFIX).get_data(as_text=True)
    assert 'href="/fish/cookies">change your cookie settings' in html
    assert 'class="govuk-cookie-banner' in html and 'href="/fish/privacy"' in html  # "Hide cookie message"


def test_error_pages_lead_back_under_the_prefix(prefixed: FlaskClient) -> None:
    html = prefixed.get("/no/such/page", headers=PREFIX).get_data(as_text=True)
    assert 'href="/fish/"' in html
    assert 'href="/"' not in html


def test_the_prefix_is_ignored_when_no_proxy_is_trusted(make_app: Callable[..., Flask]) -> None:
    html = make_app(GOVUK_PROXY_FIX_HOPS=0).test_client().get("/privacy", headers=PREFIX).get_data(as_text=True)
    assert "/fish" not in html


def test_urls_in_config_stay_as_they_are(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        GOVUK_SERVICE_URL="https://fish.service.gov.uk/",
        GOVUK_FOOTER_LINKS=[{"text": "Help", "href": "https://help.example/"}],
    )
    html = app.test_client().get("/privacy", headers=PREFIX).get_data(as_text=True)
    assert 'href="https://fish.service.gov.uk/"' in html
    assert 'href="https://help.example/"' in html
    assert 'href="mailto:team@justice.gov.uk"' in html
