"""The page cache on the journey: the start page and empty question pages come from it, byte for byte as a
fresh render, in English and Welsh and both brands; a page with someone's answer never does."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from example_support import valid_answers
from flask import Flask
from markupsafe import escape

from govuk_layout import page_cache
from govuk_layout.testing import FormClient, comparable, form_client
from govuk_layout.testing.processes import ServerProcess

Apps = tuple[Flask, Flask]
# Pages after the journey that may be cached: the package's own, and the status lookup's empty form.
LATER_PAGES = ("/status", "/cookies", "/accessibility", "/privacy")


def walk(clients: dict[str, FormClient], language: str) -> None:
    """Walk both clients through the journey in ``language``, comparing each page that may be cached."""
    name = next(iter(clients.values())).application.config["SESSION_COOKIE_NAME"]

    def same(path: str) -> None:
        fresh, cached = (comparable(client.get(path), name) for client in clients.values())
        assert cached == fresh, (language, path)

    same(f"/?lang={language}")
    for slug, data in valid_answers().items():
        same(f"/request/{slug}")  # empty, with the questions before it answered
        for client in clients.values():
            with client.post_form(f"/request/{slug}", data) as answered:  # the token from the page is accepted
                assert answered.status_code == 302, (language, slug)
    for path in LATER_PAGES:
        same(path)


@pytest.fixture(params=["govuk", "organisation"])
def fresh_and_cached(make_app: Callable[..., Flask], moto: ServerProcess, request: pytest.FixtureRequest) -> Apps:
    """The same service on each brand twice: with the page cache off, and on."""
    return make_app(moto.url, GOVUK_BRAND=request.param, GOVUK_PAGE_CACHE_SIZE=0), make_app(
        moto.url, GOVUK_BRAND=request.param
    )


def test_cached_journey_pages_are_byte_identical_to_fresh_renders(fresh_and_cached: Apps) -> None:
    fresh, cached = fresh_and_cached
    for _ in range(2):  # rendered into the cache, then served from it
        for language in ("en", "cy"):
            walk({"fresh": form_client(fresh), "cached": form_client(cached)}, language)
    stats = page_cache(cached).stats()
    pages = 1 + len(valid_answers()) + len(LATER_PAGES)
    assert stats.misses == stats.size == 2 * pages and stats.uncached == 0  # one entry per page and language
    assert stats.hits > stats.misses
    assert page_cache(fresh).stats().hits == 0


def _kept(app: Flask) -> bytes:
    return b"".join(piece for entry in page_cache(app)._entries.values() for piece in entry.page.pieces)


def test_a_page_with_an_error_is_never_served_from_the_cache_nor_an_answer_kept(app: Flask) -> None:
    answered, visitor = form_client(app), form_client(app)
    with answered.post_form("/request/full-name", {"full_name": "Ada Lovelace"}) as saved:
        assert saved.status_code == 302
    token = answered.csrf_token("/request/email")  # the next question, empty: from the cache
    cache = page_cache(app)
    page = answered.get("/request/full-name").get_data(as_text=True)
    assert 'value="Ada Lovelace"' in page
    before = cache.stats()
    with answered.post_form("/request/email", {"email": ""}, token=token) as refused:
        assert refused.status_code == 400 and "govuk-error-message" in refused.get_data(as_text=True)
    after = cache.stats()
    assert (after.hits, after.misses, after.size) == (before.hits, before.misses, before.size)
    # Another visitor's empty page is the cached one, and shows nothing of the first visitor's.
    for _ in range(2):
        assert "Ada Lovelace" not in visitor.get("/request/full-name").get_data(as_text=True)
    assert cache.stats().hits > after.hits
    assert 'value="Ada Lovelace"' in answered.get("/request/full-name").get_data(as_text=True)
    assert b"Ada Lovelace" not in _kept(app)


def answer_everything(client: FormClient, **changes: dict[str, Any]) -> None:
    for slug, data in {**valid_answers(), **changes}.items():
        with client.post_form(f"/request/{slug}", data) as answered:
            assert answered.status_code == 302, slug


HOSTILE = {
    "full-name": {"full_name": "Siân O'Brien-Ŵyn"},
    "reason": {"reason": "<script>alert('x')</script> & \"quoted\" &amp; {{ 7 * 7 }} %(name)s"},
}


def assert_no_answer_kept(app: Flask) -> None:
    """No typed answer of these tests, as it is or escaped, is in any page the cache keeps."""
    kept = _kept(app)
    for data in [*valid_answers().values(), *HOSTILE.values()]:
        for answer in data.values():
            if isinstance(answer, str) and answer != "moj-analytical-services":  # a choice's code, not typed text
                assert answer.encode() not in kept and str(escape(answer)).encode() not in kept, answer


def test_check_your_answers_is_kept_without_the_answers_and_each_visitor_sees_their_own(
    fresh_and_cached: Apps,
) -> None:
    fresh, cached = fresh_and_cached
    name = cached.config["SESSION_COOKIE_NAME"]
    for language in ("en", "cy"):
        for changes in ({}, HOSTILE):
            clients = [form_client(fresh), form_client(cached), form_client(cached)]
            for client in clients:
                client.get(f"/?lang={language}")
                answer_everything(client, **changes)
            pages = [comparable(client.get("/request/check-answers"), name) for client in clients[:2]]
            hits = page_cache(cached).stats().hits
            pages.append(comparable(clients[2].get("/request/check-answers"), name))
            assert page_cache(cached).stats().hits == hits + 1  # the second visitor's page came from the cache
            assert pages[1] == pages[0] == pages[2], (language, changes)
    assert page_cache(cached).stats().uncached == 0
    assert_no_answer_kept(cached)
    # The page went out with the hostile answers escaped, as a fresh render escapes them.
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in pages[1][2]


def test_an_answer_a_template_could_print_otherwise_renders_check_your_answers_as_usual(
    make_app: Callable[..., Flask], moto: ServerProcess
) -> None:
    fresh, cached = make_app(moto.url, GOVUK_PAGE_CACHE_SIZE=0), make_app(moto.url)
    name = cached.config["SESSION_COOKIE_NAME"]
    lines = {"reason": {"reason": "First line\r\nSecond line"}}
    pages = []
    for app in (fresh, cached, cached):
        client = form_client(app)
        answer_everything(client, **lines)
        pages.append(comparable(client.get("/request/check-answers"), name))
    assert pages[0] == pages[1] == pages[2]
    assert "Second line" in pages[2][2]
    assert page_cache(cached).stats().uncached == 2


def test_check_your_answers_links_and_keys_follow_the_mount_point_and_language(
    make_app: Callable[..., Flask], moto: ServerProcess
) -> None:
    # The rows' keys and change links are made once per language and mount point: each gets its own.
    app = make_app(moto.url, GOVUK_PROXY_FIX_HOPS=1)
    client = form_client(app)
    answer_everything(client)
    for _ in range(2):
        pages = {
            (prefix, language): client.get(
                "/request/check-answers", headers={"X-Forwarded-Prefix": prefix, "Accept-Language": language}
            ).get_data(as_text=True)
            for prefix in ("", "/fish")
            for language in ("en", "cy")
        }
        for (prefix, language), page in pages.items():
            other = "/fish" if not prefix else ""
            assert f'href="{prefix}/request/full-name?change=1"' in page, (prefix, language)
            assert f'href="{other}/request/full-name?change=1"' not in page, (prefix, language)
            change = "Newid" if language == "cy" else "Change"
            assert f'>{change}<span class="govuk-visually-hidden">' in page.replace("\n", ""), (prefix, language)


# The questions whose kept answer is only the field's value; a choice or a date shapes its field.
TEXT_QUESTIONS = ("full-name", "email", "reason")


def test_a_question_showing_a_saved_answer_is_kept_without_it_and_each_visitor_sees_their_own(
    fresh_and_cached: Apps,
) -> None:
    fresh, cached = fresh_and_cached
    name = cached.config["SESSION_COOKIE_NAME"]
    for language in ("en", "cy"):
        # Two visitors with different answers on each app: the second's pages come from the first's entries.
        visitors = {}
        for changes, app in itertools.product(({}, HOSTILE), (fresh, cached)):
            client = visitors[(bool(changes), app is cached)] = form_client(app)
            client.get(f"/?lang={language}")
            answer_everything(client, **changes)
        for slug in valid_answers():
            for path in (f"/request/{slug}", f"/request/{slug}?change=1"):
                before = page_cache(cached).stats()
                for hostile in (False, True):
                    pages = [comparable(visitors[(hostile, on)].get(path), name) for on in (False, True)]
                    assert pages[0] == pages[1], (language, path, hostile)
                after = page_cache(cached).stats()
                if slug in TEXT_QUESTIONS:
                    assert (after.hits, after.uncached) == (before.hits + 1, before.uncached), (language, path)
                else:  # rendered as usual, without the page cache
                    assert (after.hits, after.misses, after.size) == (before.hits, before.misses, before.size)
    assert_no_answer_kept(cached)
    # The field shows the hostile answers escaped, as a fresh render escapes them.
    reason = visitors[(True, True)].get("/request/reason").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in reason and "<script>alert" not in reason


def test_a_multi_line_answer_renders_its_question_as_usual(make_app: Callable[..., Flask], moto: ServerProcess) -> None:
    fresh, cached = make_app(moto.url, GOVUK_PAGE_CACHE_SIZE=0), make_app(moto.url)
    name = cached.config["SESSION_COOKIE_NAME"]
    pages = []
    for app in (fresh, cached, cached):
        client = form_client(app)
        answer_everything(client, reason={"reason": "First line\r\nSecond line"})
        pages.append(comparable(client.get("/request/reason"), name))
    assert pages[0] == pages[1] == pages[2]
    assert "First line\nSecond line</textarea>" in pages[2][2]
    assert page_cache(cached).stats().uncached == 2
