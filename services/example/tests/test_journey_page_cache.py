"""The page cache on the journey: the start page and empty question pages come from it, byte for byte as a
fresh render, in English and Welsh and both brands; a page with someone's answer never does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from example_support import valid_answers
from flask import Flask

from govuk_layout import page_cache
from govuk_layout.testing import FormClient, comparable, form_client
from govuk_layout.testing.processes import ServerProcess

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


@pytest.mark.parametrize("brand", ["govuk", "organisation"])
def test_cached_journey_pages_are_byte_identical_to_fresh_renders(
    make_app: Callable[..., Flask], moto: ServerProcess, brand: str
) -> None:
    fresh, cached = (
        make_app(moto.url, GOVUK_BRAND=brand, GOVUK_PAGE_CACHE_SIZE=0),
        make_app(moto.url, GOVUK_BRAND=brand),
    )
    for _ in range(2):  # rendered into the cache, then served from it
        for language in ("en", "cy"):
            walk({"fresh": form_client(fresh), "cached": form_client(cached)}, language)
    stats = page_cache(cached).stats()
    pages = 1 + len(valid_answers()) + len(LATER_PAGES)
    assert stats.misses == stats.size == 2 * pages and stats.uncached == 0  # one entry per page and language
    assert stats.hits > stats.misses
    assert page_cache(fresh).stats().hits == 0


def test_a_page_with_an_answer_or_an_error_is_never_served_from_the_cache(app: Flask) -> None:
    answered, visitor = form_client(app), form_client(app)
    with answered.post_form("/request/full-name", {"full_name": "Ada Lovelace"}) as saved:
        assert saved.status_code == 302
    token = answered.csrf_token("/request/email")  # the next question, empty: from the cache
    cache = page_cache(app)
    before = cache.stats()
    page = answered.get("/request/full-name").get_data(as_text=True)
    assert 'value="Ada Lovelace"' in page
    with answered.post_form("/request/email", {"email": ""}, token=token) as refused:
        assert refused.status_code == 400 and "govuk-error-message" in refused.get_data(as_text=True)
    after = cache.stats()
    assert (after.hits, after.misses, after.size) == (before.hits, before.misses, before.size)
    # Another visitor's empty page is the cached one, and shows nothing of the first visitor's.
    for _ in range(2):
        assert "Ada Lovelace" not in visitor.get("/request/full-name").get_data(as_text=True)
    assert cache.stats().hits > after.hits
    assert 'value="Ada Lovelace"' in answered.get("/request/full-name").get_data(as_text=True)
