"""The component cache changes no byte of any page: the whole journey, its errors, in English and Welsh."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from example_support import valid_answers
from flask import Flask
from werkzeug.test import TestResponse

from govuk_layout import component_cache, page_cache
from govuk_layout.testing import FormClient, form_client, without_per_request_values
from govuk_layout.testing.processes import ServerProcess

# Besides the nonce and token, what differs from one submission to the next, whatever the cache does.
REFERENCE = re.compile(r"RA-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _html(response: TestResponse, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    return REFERENCE.sub("RA-REFERENCE", without_per_request_values(response.get_data(as_text=True)))


def journey(client: FormClient) -> dict[str, str]:
    """Every page of a request in each language: each question empty, refused, answered and revisited."""
    pages: dict[str, str] = {}
    for language in ("en", "cy"):
        pages[f"{language} start"] = _html(client.get(f"/?lang={language}"))
        for slug, data in valid_answers().items():
            pages[f"{language} {slug}"] = _html(client.get(f"/request/{slug}"))
            with client.post_form(f"/request/{slug}", {}) as refused:
                pages[f"{language} {slug} refused"] = _html(refused, 400)
            with client.post_form(f"/request/{slug}", data) as answered:
                assert answered.status_code == 302, slug
            pages[f"{language} {slug} answered"] = _html(client.get(f"/request/{slug}"))
        pages[f"{language} check"] = _html(client.get("/request/check-answers"))
        with client.post_form("/request/check-answers", {}) as sent:
            assert sent.status_code == 302
        pages[f"{language} confirmation"] = _html(client.get("/request/confirmation"))
        pages[f"{language} cookies"] = _html(client.get("/cookies"))
        pages[f"{language} status"] = _html(client.get("/status"))
    return pages


def test_cached_pages_are_byte_identical_to_uncached(make_app: Callable[..., Flask], moto: ServerProcess) -> None:
    uncached = journey(form_client(make_app(moto.url, GOVUK_COMPONENT_CACHE_SIZE=0)))
    app = make_app(moto.url)
    first = journey(form_client(app))
    after_first = component_cache(app).stats()
    second = journey(form_client(app))
    after_second = component_cache(app).stats()
    for name, html in uncached.items():
        assert first[name] == html, name
        assert second[name] == html, name
    assert "Parhau" in uncached["cy full-name"] and "Gwall:" in uncached["cy email refused"]
    # The second time through, every component call without an answer in it was rendered before.
    assert after_second.misses == after_first.misses
    assert after_second.hits > after_first.hits


def _chrome_and_more(client: FormClient) -> dict[str, str]:
    pages = journey(client)
    found = REFERENCE.search(client.get("/request/confirmation").get_data(as_text=True))
    assert found
    for language in ("en", "cy"):
        client.get(f"/?lang={language}")
        pages[f"{language} status of the request"] = _html(client.get(f"/status/{found[0]}"))
        # The page quotes the request's id, which is new each time.
        pages[f"{language} not found"] = re.sub(r"\b[0-9a-f]{32}\b", "ID", _html(client.get("/no-such-page"), 404))
    return pages


@pytest.mark.parametrize("brand", ["govuk", "organisation"])
def test_kept_chrome_changes_no_byte_of_any_page(
    make_app: Callable[..., Flask], moto: ServerProcess, brand: str
) -> None:
    fresh = make_app(moto.url, GOVUK_BRAND=brand, GOVUK_COMPONENT_CACHE_SIZE=0)
    fresh.jinja_env.auto_reload = True  # chrome.py renders every fragment afresh while templates reload
    expected = _chrome_and_more(form_client(fresh))
    app = make_app(moto.url, GOVUK_BRAND=brand)
    assert _chrome_and_more(form_client(app)) == expected
    assert _chrome_and_more(form_client(app)) == expected  # now from the kept fragments
    assert ("moj-header" if brand == "organisation" else "govuk-header__logo") in expected["en start"]
    assert "Gwiriwch eich atebion" in expected["cy check"] and "Parhau" in expected["cy full-name"]
    # Check your answers was served from the cache the second time, with a placeholder for each answer.
    kept = repr(component_cache(app)._entries)
    assert "govukSummaryList" in kept and not re.search(r"Ada Lovelace|ada\.lovelace@|data pipelines", kept)
    # The status page's list is kept without the request's reference (only the hint's example is there).
    assert set(REFERENCE.findall(kept)) <= {"RA-7K3M-9QXP"}


def test_what_a_visitor_typed_into_an_error_message_is_never_kept(app: Flask) -> None:
    """The status lookup's "No request found with reference …" repeats what was typed: it is never cached."""
    typed = "RA-ZZZZ-ZZZZ"
    visitor = form_client(app)
    for _ in range(2):
        with visitor.post_form("/status", {"reference": typed}) as refused:
            assert refused.status_code == 404 and typed in refused.get_data(as_text=True)
    assert typed not in repr(component_cache(app)._entries)
    assert typed.encode() not in repr(page_cache(app)._entries).encode()
