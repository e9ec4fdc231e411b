"""Cached page chrome: rendered once per process, yet every per-request part stays correct."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, render_template_string

from govuk_layout.chrome import NONCE_HOLE, ChromeCache
from govuk_layout.testing import csrf_token

NAVIGATION = [{"text": "Apply", "href": "/apply"}, {"text": "Check a request", "href": "/status"}]


def _page() -> str:
    return render_template_string(
        '{% extends "govuk_layout/base.html" %}{% block content %}<h1>Page</h1>{% endblock %}'
    )


def _app(make_app: Callable[..., Flask], **config: object) -> Flask:
    app = make_app(GOVUK_NAVIGATION=NAVIGATION, **config)
    for path in ("/apply", "/status", "/status/abc"):
        app.add_url_rule(path, path, _page)
    return app


def _cache(app: Flask) -> ChromeCache:
    extension = app.jinja_env.extensions["govuk_layout.chrome.ChromeCache"]
    assert isinstance(extension, ChromeCache)
    return extension


def _active(html: str) -> list[str]:
    return re.findall(
        r'govuk-service-navigation__item--active">\s*<a class="govuk-service-navigation__link" href="([^"]+)"', html
    )


def test_chrome_is_rendered_once_and_reused(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    client = app.test_client()
    first = client.get("/apply").get_data(as_text=True)
    fragments = dict(_cache(app).fragments)
    assert {"header", "service-navigation", "phase-banner", "footer", "cookie-banner"} <= {
        name.split("'")[1] for name in fragments
    }
    second = client.get("/apply").get_data(as_text=True)
    assert _cache(app).fragments == fragments
    strip = re.compile(r'(nonce|value)="[^"]*"')
    assert strip.sub("", first) == strip.sub("", second)


def test_navigation_marks_the_current_section_on_every_page(make_app: Callable[..., Flask]) -> None:
    client = _app(make_app).test_client()
    for _ in range(2):
        assert _active(client.get("/apply").get_data(as_text=True)) == ["/apply"]
        assert _active(client.get("/status").get_data(as_text=True)) == ["/status"]
        assert _active(client.get("/status/abc").get_data(as_text=True)) == ["/status"]
        assert 'aria-current="page"' not in client.get("/status/abc").get_data(as_text=True)


def test_nonce_csrf_token_and_return_path_stay_per_request(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    pages = [app.test_client().get(path).get_data(as_text=True) for path in ("/apply", "/apply", "/status")]
    nonces = [re.findall(r'nonce="([^"]+)"', html) for html in pages]
    tokens = [csrf_token(html) for html in pages]
    returns = [re.search(r'name="next" value="([^"]+)"', html) for html in pages]
    assert all(nonces) and len({found[0] for found in nonces}) == 3
    assert all(nonce == found[0] for found in nonces for nonce in found)
    assert len(set(tokens)) == 3
    assert [found[1] for found in returns if found] == ["/apply", "/apply", "/status"]


def test_cookie_choice_still_hides_the_banner(make_app: Callable[..., Flask]) -> None:
    client = _app(make_app).test_client()
    assert "govuk-cookie-banner" in client.get("/apply").get_data(as_text=True)
    client.set_cookie("cookies_policy", "analytics=no")
    assert "govuk-cookie-banner" not in client.get("/apply").get_data(as_text=True)


def test_each_app_keeps_its_own_chrome(make_app: Callable[..., Flask]) -> None:
    first = _app(make_app).test_client().get("/apply").get_data(as_text=True)
    other = _app(make_app, GOVUK_SERVICE_NAME="Renew a licence", GOVUK_PHASE="alpha").test_client()
    second = other.get("/apply").get_data(as_text=True)
    assert "Apply for a thing" in first and "Renew a licence" not in first
    assert "Renew a licence" in second and "Apply for a thing" not in second
    assert "Alpha" in second


def test_config_read_by_the_chrome_is_part_of_its_key(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    client = app.test_client()
    assert "Beta" in client.get("/apply").get_data(as_text=True)
    app.config["GOVUK_PHASE"] = "alpha"
    assert "Alpha" in client.get("/apply").get_data(as_text=True)


def test_development_reloading_bypasses_the_cache(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    app.jinja_env.auto_reload = True
    app.test_client().get("/apply")
    assert _cache(app).fragments == {}


def test_fragments_holding_the_nonce_carry_each_requests_own(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app, GOVUK_GOOGLE_ANALYTICS_ID="G-TEST1234")
    client = app.test_client()
    client.set_cookie("cookies_policy", "analytics=yes")
    seen = set()
    for _ in range(3):
        response = client.get("/apply")
        policy = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
        assert policy
        nonces = re.findall(r'nonce="([^"]+)"', response.get_data(as_text=True))
        assert len(nonces) >= 5 and set(nonces) == {policy[1]}  # analytics, modules, crest, CSRF refresh
        seen.add(policy[1])
    assert len(seen) == 3
    kept = "".join(_cache(app).fragments.values())
    assert NONCE_HOLE in kept and not any(nonce in kept for nonce in seen)
