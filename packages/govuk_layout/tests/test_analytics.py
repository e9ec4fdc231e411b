"""Google Analytics 4 only with consent: the CSP, the banner and cookies page, the tag, and removing its cookies."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from govuk_layout import analytics, catalogues
from govuk_layout.config import DEFAULT_CONTENT_SECURITY_POLICY, ConfigError
from govuk_layout.consent import ESSENTIAL
from govuk_layout.testing import FormClient, csp_directives, form_client

MEASUREMENT_ID = "G-TEST1234"
SERVICE_HOST = "http://apply.service.justice.gov.uk"  # over https Flask-WTF would also want a Referer
BILINGUAL = {"GOVUK_LANGUAGES": ["en", "cy"]}


@pytest.fixture
def with_id(make_app: Callable[..., Flask]) -> FormClient:
    return form_client(make_app(GOVUK_GOOGLE_ANALYTICS_ID=MEASUREMENT_ID))


def _banner(html: str) -> str:
    found = re.search(r'<div class="govuk-cookie-banner.*?</form>', html, re.S)
    assert found, "no cookie banner"
    return found.group(0)


def _set_cookies(response_headers: list[tuple[str, str]], prefix: str) -> list[str]:
    return [value for name, value in response_headers if name == "Set-Cookie" and value.startswith(prefix)]


# The Content-Security-Policy


def test_without_an_id_the_csp_is_the_configured_one(client: FormClient) -> None:
    directives = csp_directives(client.get("/privacy"))
    assert "googletagmanager" not in " ".join(directives.values())
    assert directives["img-src"] == "'self'" and directives["connect-src"] == "'self'"


def test_with_an_id_the_csp_gains_only_ga4s_hosts(with_id: FormClient) -> None:
    directives = csp_directives(with_id.get("/privacy"))
    assert re.fullmatch(r"'self' https://www\.googletagmanager\.com 'nonce-[^']+'", directives["script-src"])
    assert directives["img-src"] == "'self' https://*.google-analytics.com https://www.googletagmanager.com"
    assert directives["connect-src"] == (
        "'self' https://*.google-analytics.com https://*.analytics.google.com https://www.googletagmanager.com"
    )
    untouched = {name: value for name, value in directives.items() if name not in analytics.CSP_SOURCES}
    assert untouched == {k: v for k, v in DEFAULT_CONTENT_SECURITY_POLICY.items() if k not in analytics.CSP_SOURCES}


def test_a_directive_left_to_default_src_keeps_default_srcs_sources() -> None:
    policy = {"default-src": "'self' https://cdn.example", "script-src": "'none'"}
    merged = analytics.content_security_policy(policy, MEASUREMENT_ID)
    assert merged["script-src"] == analytics.TAG_MANAGER  # 'none' cannot stand beside a host
    assert merged["img-src"].startswith("'self' https://cdn.example https://*.google-analytics.com")
    assert merged["default-src"] == policy["default-src"]
    assert analytics.content_security_policy({"script-src": "'self'"}, MEASUREMENT_ID).keys() == {"script-src"}
    assert analytics.content_security_policy(policy, None) == policy


def test_the_id_must_be_a_ga4_measurement_id(make_app: Callable[..., Flask]) -> None:
    for bad in ("UA-12345-1", "GTM-ABC123", "G-abc</script>", "G-"):
        with pytest.raises(ConfigError, match="GOVUK_GOOGLE_ANALYTICS_ID"):
            make_app(GOVUK_GOOGLE_ANALYTICS_ID=bad)
    assert make_app(GOVUK_GOOGLE_ANALYTICS_ID="").config["GOVUK_GOOGLE_ANALYTICS_ID"] is None


# The banner and the cookies page


def test_without_an_id_the_banner_tells_of_essential_cookies_only(client: FormClient) -> None:
    banner = _banner(client.get("/privacy").get_data(as_text=True))
    assert "We use some essential cookies to make this service work." in banner
    assert "analytics" not in banner.lower()
    assert re.search(r'<button type="submit" value="hide" name="cookies"[^>]*>\s*Hide cookie message', banner)
    assert 'href="/cookies"' in banner


def test_without_an_id_the_cookies_page_lists_essential_cookies_only(client: FormClient) -> None:
    html = client.get("/cookies").get_data(as_text=True)
    assert "Essential cookies" in html and "We use cookies to make Apply for a thing work.</p>" in html
    assert "analytics" not in html.lower() and "_ga" not in html
    assert "<form" not in html  # nothing to choose


def test_without_an_id_nothing_mentions_analytics_in_welsh(make_app: Callable[..., Flask]) -> None:
    client = make_app(**BILINGUAL).test_client()
    banner = _banner(client.get("/privacy?lang=cy").get_data(as_text=True))
    assert "Rydym yn defnyddio rhai cwcis hanfodol" in banner and "Cuddio’r neges am gwcis" in banner
    page = client.get("/cookies?lang=cy").get_data(as_text=True)
    assert "Rydym yn defnyddio cwcis i wneud i’r gwasanaeth Apply for a thing weithio.</p>" in page
    assert "dadansoddol" not in banner + page


def test_hiding_the_essential_message_is_remembered(client: FormClient) -> None:
    data = {"cookies": "hide", "source": "banner", "next": "/privacy"}
    with client.post_form("/cookies", data, token=client.csrf_token("/privacy")) as hid:
        assert hid.status_code == 302 and hid.headers["Location"] == "/privacy"
    assert client.get_cookie("cookies_policy").value == ESSENTIAL
    html = client.get("/privacy").get_data(as_text=True)
    assert "govuk-cookie-banner" not in html  # no confirmation to show: the message just goes


def test_without_an_id_an_analytics_choice_is_refused(client: FormClient) -> None:
    token = client.csrf_token("/privacy")
    for source in ("banner", "page"):
        response = client.post("/cookies", data={"csrf_token": token, "analytics": "yes", "source": source})
        assert response.status_code == 400
    assert client.get_cookie("cookies_policy") is None


def test_with_an_id_the_banner_and_page_ask_about_analytics(with_id: FormClient) -> None:
    banner = _banner(with_id.get("/privacy").get_data(as_text=True))
    assert "We’d also like to use analytics cookies" in banner
    assert "Accept analytics cookies" in banner and "Reject analytics cookies" in banner
    assert 'value="hide"' not in banner
    page = with_id.get("/cookies").get_data(as_text=True)
    assert "Do you want to accept analytics cookies?" in page
    assert (
        '<td class="govuk-table__cell">_ga</td>' in page and '<td class="govuk-table__cell">_ga_TEST1234</td>' in page
    )


def test_with_an_id_the_analytics_questions_are_in_welsh(make_app: Callable[..., Flask]) -> None:
    client = make_app(GOVUK_GOOGLE_ANALYTICS_ID=MEASUREMENT_ID, **BILINGUAL).test_client()
    for path in ("/privacy?lang=cy", "/cookies?lang=cy"):
        html = client.get(path).get_data(as_text=True)
        assert "dadansoddol" in html
        assert catalogues.english_left(catalogues.page_text(html), [Path(analytics.__file__).parent]) == []


# The tag: only after consent, with the nonce


def _tags(html: str) -> list[str]:
    return re.findall(r"<script[^>]*>", html)


def test_no_tag_before_consent_or_after_rejecting(with_id: FormClient) -> None:
    assert "googletagmanager" not in with_id.get("/privacy").get_data(as_text=True)
    with_id.post_form("/cookies", {"analytics": "no", "source": "page"})
    assert "googletagmanager" not in with_id.get("/privacy").get_data(as_text=True)


def test_the_tag_loads_after_consent_with_the_nonce(with_id: FormClient) -> None:
    with with_id.post_form("/cookies", {"analytics": "yes", "source": "banner", "next": "/privacy"}) as accepted:
        assert not _set_cookies(accepted.headers.to_wsgi_list(), "_ga")  # the server never sets them itself
    response = with_id.get("/privacy")
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce
    tag = f'<script async src="https://www.googletagmanager.com/gtag/js?id={MEASUREMENT_ID}" nonce="{nonce[1]}">'
    assert tag in _tags(html)
    assert f'gtag("config", "{MEASUREMENT_ID}", {{ allow_google_signals: false' in html
    queue = html[: html.index(tag)].rsplit("<script", 1)[1]
    assert queue.startswith(f' nonce="{nonce[1]}">') and "window.dataLayer" in queue


def test_without_an_id_a_yes_loads_nothing(client: FormClient) -> None:
    client.set_cookie("cookies_policy", "analytics=yes")
    html = client.get("/privacy").get_data(as_text=True)
    assert "googletagmanager" not in html and "gtag" not in html
    assert "govuk-cookie-banner" not in html  # a recorded choice counts as the message seen


# Rejecting or withdrawing removes _ga*


def _ga_client(app: Flask) -> FormClient:
    client = form_client(app)
    for name in ("_ga", "_ga_TEST1234", "_gid_not_ga"):
        client.set_cookie(name, "GA1.1.1.1", domain="justice.gov.uk", origin_only=False)  # as GA4 sets them
    return client


def _expired(headers: list[tuple[str, str]], name: str) -> set[str]:
    """The domains ``name`` is expired on ("host" for host-only)."""
    domains = set()
    for value in _set_cookies(headers, f"{name}="):
        assert "Max-Age=0" in value and "Path=/" in value, value
        domain = re.search(r"Domain=([^;]+)", value)
        domains.add(domain[1] if domain else "host")
    return domains


@pytest.mark.parametrize(
    ("data", "first"),
    [
        ({"analytics": "no", "source": "banner", "next": "/privacy"}, None),  # reject in the banner
        ({"analytics": "no", "source": "page"}, "yes"),  # withdraw on the cookies page
    ],
    ids=["reject", "withdraw"],
)
def test_rejecting_expires_ga_cookies_on_every_domain_ga_may_use(
    make_app: Callable[..., Flask], data: dict[str, str], first: str | None
) -> None:
    client = _ga_client(make_app(GOVUK_GOOGLE_ANALYTICS_ID=MEASUREMENT_ID))
    if first:
        client.post_form("/cookies", {"analytics": first, "source": "page"}, base_url=SERVICE_HOST)
    with client.post_form("/cookies", data, base_url=SERVICE_HOST) as response:
        headers = response.headers.to_wsgi_list()
    everywhere = {"host", "apply.service.justice.gov.uk", "service.justice.gov.uk", "justice.gov.uk", "gov.uk"}
    assert _expired(headers, "_ga") == everywhere
    assert _expired(headers, "_ga_TEST1234") == everywhere
    assert not _set_cookies(headers, "_gid_not_ga")
    assert client.get_cookie("_ga", domain="justice.gov.uk") is None
    assert client.get_cookie("_gid_not_ga", domain="justice.gov.uk") is not None


def test_accepting_keeps_ga_cookies(make_app: Callable[..., Flask]) -> None:
    client = _ga_client(make_app(GOVUK_GOOGLE_ANALYTICS_ID=MEASUREMENT_ID))
    with client.post_form("/cookies", {"analytics": "yes", "source": "page"}, base_url=SERVICE_HOST) as response:
        assert not _set_cookies(response.headers.to_wsgi_list(), "_ga")


def test_on_an_ip_address_only_host_only_cookies_are_expired(make_app: Callable[..., Flask]) -> None:
    client = form_client(make_app(GOVUK_GOOGLE_ANALYTICS_ID=MEASUREMENT_ID))
    client.set_cookie("_ga", "GA1.1.1.1", domain="127.0.0.1")
    data = {"analytics": "no", "source": "page"}
    with client.post_form("/cookies", data, base_url="http://127.0.0.1:5000") as response:
        assert _expired(response.headers.to_wsgi_list(), "_ga") == {"host"}


def test_hiding_the_essential_message_also_expires_ga_cookies(make_app: Callable[..., Flask]) -> None:
    """A service that turns analytics off leaves no _ga cookies behind with anyone who hides the message."""
    client = _ga_client(make_app())
    data = {"cookies": "hide", "source": "banner", "next": "/"}
    token = client.csrf_token("/privacy", base_url=SERVICE_HOST)
    with client.post_form("/cookies", data, token=token, base_url=SERVICE_HOST) as response:
        assert "justice.gov.uk" in _expired(response.headers.to_wsgi_list(), "_ga")
