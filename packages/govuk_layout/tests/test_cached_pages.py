"""The page cache: pages that carry no one's data come out byte for byte as a fresh render would make them,
with each request's own nonce and CSRF token, and nothing that belongs to a visitor is kept or served."""

from __future__ import annotations

import datetime
import itertools
import re
import sys
from collections.abc import Callable

import pytest
from flask import Flask, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import escape
from werkzeug.test import TestResponse
from werkzeug.wrappers import Response

from govuk_layout import Answer, page_cache, render_page
from govuk_layout.testing import comparable, csrf_token, form_client

PAGES = ("/cookies", "/accessibility", "/privacy")
WELSH = {"Accept-Language": "cy"}
PREFIX = {"X-Forwarded-Prefix": "/fish"}
NONCE = re.compile(r'nonce="([^"]+)"')
# A page of the app's own, through base.html, whose cookie banner carries a CSRF token.
OWN_PAGE = '{% extends "govuk_layout/base.html" %}{% block content %}<h1>Own page</h1>{{ extra }}{% endblock %}'
# A page showing a visitor's answer, as check your answers does.
ANSWER_PAGE = '{% extends "govuk_layout/base.html" %}{% block content %}<h1>{{ label }}</h1>{{ answer }}{% endblock %}'


def _app(make_app: Callable[..., Flask], **config: object) -> Flask:
    """``make_app`` plus views that render through the page cache in the ways a team might."""
    app = make_app(GOVUK_LANGUAGES=["en", "cy"], GOVUK_PROXY_FIX_HOPS=1, **config)
    own = app.jinja_env.from_string(OWN_PAGE)

    @app.route("/own", methods=["GET", "POST"])
    def own_page() -> Response:
        return render_page(own)

    @app.get("/own/missing")
    def missing() -> tuple[Response, int]:
        return render_page(own, extra="Not found"), 404

    @app.get("/own/early-token")
    def early_token() -> Response:
        token = generate_csrf()  # as a form built before the render: its token is this request's, never kept
        return render_page(own, extra=token)

    @app.get("/own/request-id")
    def request_id() -> Response:
        return render_page(own, extra=g.request_id)

    @app.get("/own/answers")
    def answers() -> Response:
        session["answer"] = "Jo Bloggs"
        return render_page(own)

    @app.get("/own/no-answers-shown")
    def no_answers_shown() -> Response:
        session["answer"] = "Jo Bloggs"
        return render_page(own, reads_answers=False)

    shown = app.jinja_env.from_string(ANSWER_PAGE)

    @app.get("/own/answer")
    def answer() -> Response:
        # Neither is in the URL (which a page may show): the label stands for anything a view gives beside an answer.
        label, given = request.headers["X-Label"], request.headers["X-Answer"]
        return render_page(shown, reads_answers=False, label=label, answer=Answer(given))

    @app.get("/own/answer-beside-a-date")
    def beside_a_date() -> Response:
        when = datetime.date(2030, 3, 4)  # no key holds a date
        return render_page(shown, reads_answers=False, label=when, answer=Answer(request.args["answer"]))

    @app.get("/own/answer-as-a-name")
    def as_a_name() -> Response:
        return render_page(shown, reads_answers=False, label="Names", answer={Answer(request.args["answer"]): 1})

    return app


def _get(app: Flask, path: str, consent: str | None = None, **headers: str) -> TestResponse:
    """A first visit to ``path`` (its own client), with the consent cookie set to ``consent``."""
    client = app.test_client()
    if consent:
        client.set_cookie(app.config["GOVUK_COOKIE_CONSENT_NAME"], consent)
    return client.get(path, headers=headers)


@pytest.mark.parametrize("brand", ["govuk", "organisation"])
@pytest.mark.parametrize("analytics", [None, "G-TEST1234"])
def test_cached_pages_are_byte_identical_to_fresh_renders(
    make_app: Callable[..., Flask], brand: str, analytics: str | None
) -> None:
    config = {"GOVUK_BRAND": brand, "GOVUK_GOOGLE_ANALYTICS_ID": analytics}
    cached, fresh = _app(make_app, **config), _app(make_app, GOVUK_PAGE_CACHE_SIZE=0, **config)
    name = cached.config["SESSION_COOKIE_NAME"]
    consents = [None, "analytics=yes", "analytics=no", "essential"]
    for path, consent, language, prefix in itertools.product((*PAGES, "/own"), consents, ({}, WELSH), ({}, PREFIX)):
        expected = comparable(_get(fresh, path, consent, **language, **prefix), name)
        for _ in range(2):  # rendered into the cache, then served from it
            served = comparable(_get(cached, path, consent, **language, **prefix), name)
            assert served == expected, (path, consent, language, prefix)
    stats = page_cache(cached).stats()
    # One entry per page, language, mount point and cookie choice: yes, no or none with analytics (the
    # "essential" cookie is none), chosen or not without.
    assert stats.misses == stats.size == 4 * 2 * 2 * (3 if analytics else 2)
    assert stats.hits + stats.misses == 4 * 4 * 2 * 2 * 2 and stats.uncached == 0
    assert page_cache(fresh).stats().hits == 0


def test_each_visitor_gets_their_own_nonce_and_a_token_that_works(make_analytics_app: Callable[..., Flask]) -> None:
    app = _app(make_analytics_app)
    first, second = form_client(app), form_client(app)
    pages = [visitor.get("/accessibility") for visitor in (first, second, first)]
    assert page_cache(app).stats().hits == 2
    nonces = [NONCE.findall(page.get_data(as_text=True)) for page in pages]
    for page, found in zip(pages, nonces, strict=True):
        assert len(set(found)) == 1  # every script on a page carries that page's nonce, as in its CSP
        assert f"'nonce-{found[0]}'" in page.headers["Content-Security-Policy"]
    assert len({found[0] for found in nonces}) == 3
    tokens = [csrf_token(page.get_data(as_text=True)) for page in pages]
    assert tokens[0] != tokens[1]
    # Each visitor's session got the token its page carries: the banner's form is accepted, another's is not.
    choice = {"source": "banner", "next": "/accessibility", "analytics": "yes"}
    assert second.post("/cookies", data={**choice, "csrf_token": tokens[0]}).status_code == 400
    assert second.post("/cookies", data={**choice, "csrf_token": tokens[1]}).status_code == 302
    assert first.post("/cookies", data={**choice, "csrf_token": tokens[2]}).status_code == 302


def test_a_first_visit_from_the_cache_keeps_the_gil_while_it_makes_its_nonce_id_and_token(
    make_analytics_app: Callable[..., Flask],
) -> None:
    app = _app(make_analytics_app)
    form_client(app).get("/accessibility")  # kept in the cache; the process's first tokens read
    called: list[str] = []

    def record(frame: object, event: str, function: object) -> None:
        if event == "c_call":
            called.append(getattr(function, "__name__", ""))

    visits = [form_client(app) for _ in range(20)]
    sys.setprofile(record)
    try:
        pages = [visitor.get("/accessibility") for visitor in visits]
    finally:
        sys.setprofile(None)
    assert all(page.headers["Set-Cookie"] and csrf_token(page.get_data(as_text=True)) for page in pages)
    # Both let go of the GIL for any input: under gunicorn's threads the request then waits behind the others.
    assert called.count("urandom") <= 1  # ids, nonces and session ids come from a batch read once
    assert "hmac_digest" not in called


def test_hits_and_misses_are_counted(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    cache = page_cache(app)
    assert cache.stats().hit_rate == 0.0
    for _ in range(4):
        assert app.test_client().get("/privacy").status_code == 200
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.size, stats.hit_rate) == (3, 1, 1, 0.75)
    cache.clear()
    assert (cache.stats().hits, cache.stats().misses, cache.stats().size) == (0, 0, 0)


def test_each_cookie_choice_has_its_own_entry(make_analytics_app: Callable[..., Flask]) -> None:
    app = _app(make_analytics_app)
    choices = (None, "analytics=yes", "analytics=no")
    pages = {consent: _get(app, "/own", consent).get_data(as_text=True) for consent in choices}
    assert page_cache(app).stats().size == 3
    assert "govuk-cookie-banner" in pages[None] and 'name="csrf_token"' in pages[None]
    for consent in ("analytics=yes", "analytics=no"):
        assert "govuk-cookie-banner" not in pages[consent] and 'name="csrf_token"' not in pages[consent]
    assert "gtag(" in pages["analytics=yes"] and "gtag(" not in pages["analytics=no"]


def test_mount_points_and_languages_have_their_own_entries(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    plain, prefixed, welsh = (_get(app, "/own", **headers).get_data(as_text=True) for headers in ({}, PREFIX, WELSH))
    assert page_cache(app).stats().size == 3
    assert 'href="/fish/cookies"' in prefixed and 'href="/cookies"' in plain
    assert '<html lang="cy"' in welsh and '<html lang="en"' in plain


def test_the_cache_is_a_bounded_lru(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app, GOVUK_PAGE_CACHE_SIZE=2)
    for path in ("/cookies", "/privacy", "/cookies", "/accessibility", "/cookies", "/privacy"):
        app.test_client().get(path)
    stats = page_cache(app).stats()
    # /privacy was the least recently used when /accessibility came, so it was rendered again.
    assert (stats.hits, stats.misses, stats.size) == (2, 4, 2)


def _uncached(app: Flask, send: Callable[[], TestResponse]) -> TestResponse:
    before = page_cache(app).stats()
    response = send()
    after = page_cache(app).stats()
    assert (after.hits, after.misses, after.size) == (before.hits, before.misses, before.size)
    assert after.uncached == before.uncached + 1
    return response


def test_flashed_messages_and_signed_in_users_are_never_cached(make_analytics_app: Callable[..., Flask]) -> None:
    app = _app(make_analytics_app)
    visitor = form_client(app)
    assert visitor.get("/own").status_code == 200  # cached: the banner asks
    token = csrf_token(visitor.get("/own").get_data(as_text=True))
    chosen = visitor.post("/cookies", data={"csrf_token": token, "source": "banner", "next": "/own", "analytics": "no"})
    assert chosen.status_code == 302
    confirmed = _uncached(app, lambda: visitor.get("/own"))
    assert "You’ve rejected analytics cookies" in confirmed.get_data(as_text=True)
    with visitor.session_transaction() as data:
        data["govuk_user"] = {"sub": "1", "name": "Jo Staff", "email": "jo@justice.gov.uk", "staff": True}
    _uncached(app, lambda: visitor.get("/own"))


def test_requests_that_are_not_get_or_head_are_never_cached(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app, WTF_CSRF_ENABLED=False)
    _uncached(app, lambda: app.test_client().post("/own"))
    assert app.test_client().head("/own").status_code == 200
    assert page_cache(app).stats().misses == 1


def test_a_session_holding_answers_is_only_cached_when_the_view_says_none_are_shown(
    make_app: Callable[..., Flask],
) -> None:
    app = _app(make_app)
    _uncached(app, lambda: app.test_client().get("/own/answers"))
    for _ in range(2):
        app.test_client().get("/own/no-answers-shown")
    assert page_cache(app).stats().hits == 1


def test_a_page_that_is_not_200_is_never_kept(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    for _ in range(2):
        assert "Not found" in app.test_client().get("/own/missing").get_data(as_text=True)
    stats = page_cache(app).stats()
    assert (stats.hits, stats.misses, stats.size) == (0, 2, 0)


def test_a_token_made_before_the_render_is_not_kept(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    first, second = form_client(app), form_client(app)
    pages = [visitor.get("/own/early-token").get_data(as_text=True) for visitor in (first, second)]
    assert page_cache(app).stats().hits == 1
    tokens = [csrf_token(page) for page in pages]
    assert tokens[0] != tokens[1]
    assert pages[1].count(tokens[1]) == 2 and tokens[0] not in pages[1]
    assert (
        first.post("/cookies", data={"csrf_token": tokens[0], "cookies": "hide", "source": "banner"}).status_code == 302
    )
    assert (
        second.post("/cookies", data={"csrf_token": tokens[0], "cookies": "hide", "source": "banner"}).status_code
        == 400
    )


def test_a_page_showing_the_request_id_is_never_kept(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    pages = [app.test_client().get("/own/request-id") for _ in range(2)]
    for page in pages:
        assert page.headers["X-Request-Id"] in page.get_data(as_text=True)
    assert page_cache(app).stats().size == 0


@pytest.mark.parametrize("config", [{"GOVUK_PAGE_CACHE_SIZE": 0}, {"TEMPLATES_AUTO_RELOAD": True}])
def test_off_when_sized_zero_or_templates_auto_reload(
    make_app: Callable[..., Flask], config: dict[str, object]
) -> None:
    app = _app(make_app, **config)
    for _ in range(2):
        _uncached(app, lambda: app.test_client().get("/privacy"))


def test_an_answer_is_kept_as_a_placeholder_and_what_is_beside_it_is_in_the_key(make_app: Callable[..., Flask]) -> None:
    app = _app(make_app)
    hostile = "<b>Zq9</b> & 'Bo'"
    for _ in range(2):
        for label in ("First", "Second"):
            page = _get(app, "/own/answer", **{"X-Label": label, "X-Answer": hostile}).get_data(as_text=True)
            assert f"<h1>{label}</h1>{escape(hostile)}" in page
    stats = page_cache(app).stats()
    assert (stats.hits, stats.misses, stats.size) == (2, 2, 2)  # one entry per label, whatever the answer
    kept = b"".join(piece for entry in page_cache(app)._entries.values() for piece in entry.page.pieces)
    assert b"Zq9" not in kept


@pytest.mark.parametrize("path", ["/own/answer-beside-a-date", "/own/answer-as-a-name"])
def test_an_answer_beside_a_value_no_key_holds_or_in_a_name_renders_as_usual(
    make_app: Callable[..., Flask], path: str
) -> None:
    app, fresh = _app(make_app), _app(make_app, GOVUK_PAGE_CACHE_SIZE=0)
    name = app.config["SESSION_COOKIE_NAME"]
    for _ in range(2):
        page = _uncached(app, lambda: app.test_client().get(f"{path}?answer=Zq9"))
        assert comparable(page, name) == comparable(fresh.test_client().get(f"{path}?answer=Zq9"), name)
        assert "Zq9" in page.get_data(as_text=True)
