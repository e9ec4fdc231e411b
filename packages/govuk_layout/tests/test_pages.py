from __future__ import annotations

import re

import pytest
from flask import Flask, abort

from govuk_layout.testing import FormClient, assert_govuk_page


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/cookies", "Cookies – Apply for a thing – GOV.UK"),
        ("/accessibility", "Accessibility statement – Apply for a thing – GOV.UK"),
        ("/privacy", "Privacy notice – Apply for a thing – GOV.UK"),
    ],
)
def test_standard_pages(client: FormClient, path: str, title: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = assert_govuk_page(response, re.escape(title))
    assert "team@justice.gov.uk" in html or path == "/cookies"


def test_cookie_banner_shows_until_a_choice_is_made(analytics_client: FormClient) -> None:
    client = analytics_client
    html = client.get("/privacy").get_data(as_text=True)
    assert "govuk-cookie-banner" in html
    assert 'name="analytics" value="yes"' in html or 'value="yes" name="analytics"' in html


def test_banner_accept_without_javascript(analytics_client: FormClient) -> None:
    client = analytics_client
    response = client.post_form("/cookies", {"analytics": "yes", "source": "banner", "next": "/privacy"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/privacy"
    cookie = client.get_cookie("cookies_policy")
    assert cookie is not None and cookie.value == "analytics=yes"
    assert "Max-Age=31536000" in response.headers["Set-Cookie"]
    confirmation = client.get("/privacy").get_data(as_text=True)
    assert "You’ve accepted analytics cookies" in confirmation
    assert "Hide cookie message" in confirmation
    # Once hidden (any later page), the banner is gone and the choice is remembered.
    assert "govuk-cookie-banner" not in client.get("/privacy").get_data(as_text=True)
    assert 'value="yes" checked' in client.get("/cookies").get_data(as_text=True)


def test_banner_reject(analytics_client: FormClient) -> None:
    client = analytics_client
    client.post_form("/cookies", {"analytics": "no", "source": "banner", "next": "/accessibility"})
    assert client.get_cookie("cookies_policy").value == "analytics=no"
    assert "You’ve rejected analytics cookies" in client.get("/accessibility").get_data(as_text=True)


def test_banner_refuses_offsite_redirect(analytics_client: FormClient) -> None:
    client = analytics_client
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post_form("/cookies", {"analytics": "no", "source": "banner", "next": target})
        assert response.headers["Location"] == "/cookies"


def test_cookies_page_changes_the_choice(analytics_client: FormClient) -> None:
    client = analytics_client
    client.post_form("/cookies", {"analytics": "yes", "source": "banner", "next": "/"})
    response = client.post_form("/cookies", {"analytics": "no", "source": "page"}, follow_redirects=True)
    assert client.get_cookie("cookies_policy").value == "analytics=no"
    html = response.get_data(as_text=True)
    assert "You’ve set your cookie preferences" in html
    assert 'value="no" checked' in html


def test_cookies_page_without_a_choice_shows_an_error(analytics_client: FormClient) -> None:
    client = analytics_client
    response = client.post_form("/cookies", {"source": "page"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error: Cookies – Apply for a thing – GOV.UK</title>" in html
    assert 'href="#analytics"' in html
    assert "Select yes if you want to accept analytics cookies" in html


def test_banner_with_bad_value_is_a_400_page(analytics_client: FormClient) -> None:
    client = analytics_client
    response = client.post_form("/cookies", {"analytics": "maybe", "source": "banner"})
    assert response.status_code == 400
    assert "Sorry, there is a problem with your request" in response.get_data(as_text=True)


def test_cookies_page_hides_the_banner(client: FormClient) -> None:
    assert "govuk-cookie-banner" not in client.get("/cookies").get_data(as_text=True)


ERRORS = [
    (400, "Sorry, there is a problem with your request"),
    (403, "You do not have permission to view this page"),
    (404, "Page not found"),
    (405, "Sorry, you cannot do that on this page"),
    (413, "The information you sent is too large"),
    (429, "Sorry, there have been too many attempts to use this service"),
    (500, "Sorry, there is a problem with the service"),
    (503, "Sorry, the service is unavailable"),
]


@pytest.mark.parametrize(("code", "heading"), ERRORS)
def test_error_pages_have_their_own_status_and_title(app: Flask, code: int, heading: str) -> None:
    app.add_url_rule(f"/fail/{code}", f"fail_{code}", lambda: abort(code))
    response = app.test_client().get(f"/fail/{code}")
    assert response.status_code == code
    html = assert_govuk_page(response, re.escape(f"{heading} – Apply for a thing – GOV.UK"))
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in html
    assert "govuk-footer" in html


def test_unknown_url_is_404(client: FormClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_is_405_with_allow(client: FormClient) -> None:
    response = client.delete("/privacy")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "Sorry, you cannot do that on this page" in response.get_data(as_text=True)


def test_unexpected_exception_is_500_page_without_traceback(client: FormClient) -> None:
    response = client.get("/boom")
    assert response.status_code == 500
    html = assert_govuk_page(response, "Sorry, there is a problem with the service – Apply for a thing – GOV.UK")
    assert "Traceback" not in html and "RuntimeError" not in html


def test_assets_are_served(client: FormClient) -> None:
    for path, mimetype in (
        ("/assets/govuk-frontend.min.css", "text/css"),
        ("/assets/govuk-frontend.min.js", "text/javascript"),
        ("/assets/fonts/bold-b542beb274-v2.woff2", "font/woff2"),
    ):
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert response.mimetype == mimetype
