"""A page served from the page cache goes out gzipped from its pieces, compressed once, with this request's
nonce and CSRF token stored between them; anything else is left to the compression hook."""

from __future__ import annotations

import gzip
import pickle
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse
from werkzeug.wrappers import Response

from govuk_layout import compression, page_cache, render_page
from govuk_layout.testing import comparable, csrf_token, form_client, without_per_request_values
from govuk_layout.testing.weight import decoded

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}
NONCE = re.compile(r'nonce="([^"]+)"')


def _body(response: TestResponse) -> str:
    return decoded(response.get_data(), response.headers.get("Content-Encoding")).decode()


def test_a_page_from_the_cache_is_gzip_from_its_pieces_and_decodes_to_the_fresh_page(
    make_analytics_app: Callable[..., Flask],
) -> None:
    cached, fresh = make_analytics_app(), make_analytics_app(GOVUK_PAGE_CACHE_SIZE=0)
    expected = without_per_request_values(fresh.test_client().get("/privacy").get_data(as_text=True))
    visitor = form_client(cached)
    first = visitor.get("/privacy", headers=BROWSER)
    assert first.headers["Content-Encoding"] == "br"  # rendered for this request: the compression hook's
    second = visitor.get("/privacy", headers=BROWSER)
    assert page_cache(cached).stats().hits == 1
    assert second.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in second.headers["Vary"]
    assert int(second.headers["Content-Length"]) == len(second.get_data())
    html = _body(second)
    assert without_per_request_values(html) == expected
    nonces = set(NONCE.findall(html))
    assert len(nonces) == 1 and f"'nonce-{nonces.pop()}'" in second.headers["Content-Security-Policy"]
    # The token stored in the stream is the one the session got.
    choice = {"source": "banner", "next": "/privacy", "analytics": "yes", "csrf_token": csrf_token(html)}
    assert visitor.post("/cookies", data=choice).status_code == 302


def test_each_response_carries_its_own_values(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    app.test_client().get("/privacy")
    pages = [_body(app.test_client().get("/privacy", headers=BROWSER)) for _ in range(3)]
    assert len({NONCE.findall(page)[0] for page in pages}) == 3
    assert len({csrf_token(page) for page in pages}) == 3


def test_without_gzip_the_hook_decides(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    client.get("/privacy")
    brotli_only = client.get("/privacy", headers={"Accept-Encoding": "br, gzip;q=0"})
    assert brotli_only.headers["Content-Encoding"] == "br"
    plain = client.get("/privacy")
    assert "Content-Encoding" not in plain.headers
    assert without_per_request_values(_body(brotli_only)) == without_per_request_values(plain.get_data(as_text=True))
    assert page_cache(app).stats().hits == 2


def test_a_view_that_changes_the_page_gets_the_hooks_compression(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    own = app.jinja_env.from_string('{% extends "govuk_layout/base.html" %}{% block content %}Own{% endblock %}')

    @app.get("/wrapped")
    def wrapped() -> Response:
        page = render_page(own)
        page.set_data(page.get_data() + b"<!-- added by the view -->")
        return page

    client = app.test_client()
    client.get("/wrapped")
    served = client.get("/wrapped", headers=BROWSER)
    assert page_cache(app).stats().hits == 1
    assert served.headers["Content-Encoding"] == "br"
    assert _body(served).endswith("<!-- added by the view -->")


def test_a_page_kept_pickled_is_compressed_as_any_other(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    own = app.jinja_env.from_string('{% extends "govuk_layout/base.html" %}{% block content %}Kept{% endblock %}')

    @app.get("/kept")
    def kept() -> Response:
        # As a response cache (Flask-Caching) keeps one and gives it back.
        restored: Response = pickle.loads(pickle.dumps(render_page(own)))
        return restored

    client = app.test_client()
    for _ in range(2):  # rendered, then from the cache and sent as gzip from its pieces
        client.get("/kept", headers=BROWSER)
    served = client.get("/kept", headers=BROWSER)
    assert page_cache(app).stats().hits == 2
    assert served.headers["Content-Encoding"] == "br"
    assert "Kept" in _body(served)


def test_a_strong_etag_is_made_weak_on_the_gzip_from_pieces(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    own = app.jinja_env.from_string('{% extends "govuk_layout/base.html" %}{% block content %}Tagged{% endblock %}')

    @app.get("/tagged")
    def tagged() -> Response:
        page = render_page(own)
        page.set_etag("page-v1")
        return page

    client = app.test_client()
    client.get("/tagged")
    served = client.get("/tagged", headers=BROWSER)
    assert served.headers["Content-Encoding"] == "gzip"
    assert served.headers["ETag"] == 'W/"page-v1"'


def test_the_gzip_from_pieces_goes_out_as_the_general_path_would_send_it(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    app.test_client().get("/privacy")
    direct = app.test_client().get("/privacy", headers=BROWSER)
    monkeypatch.setattr(compression, "_sent_as_offered", lambda response, offer: False)  # the general path
    general = app.test_client().get("/privacy", headers=BROWSER)
    assert page_cache(app).stats().hits == 2
    cookie = app.config["SESSION_COOKIE_NAME"]
    assert comparable(direct, cookie) == comparable(general, cookie)
    assert direct.headers["Content-Encoding"] == "gzip"


def test_the_gzip_from_pieces_looks_no_header_up(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``render_page`` made it, the response's headers are known: the hook writes them without a search."""
    app = make_app()
    own = app.jinja_env.from_string('{% extends "govuk_layout/base.html" %}{% block content %}Own{% endblock %}')
    app.add_url_rule("/own", "own", lambda: render_page(own))
    app.test_client().get("/own")
    looked_up: list[str] = []
    with app.test_request_context("/own", headers=BROWSER):
        response = render_page(own)
        for name in ("getlist", "get", "set", "add", "__setitem__", "__contains__", "__getitem__"):
            werkzeugs = getattr(Headers, name)
            monkeypatch.setattr(Headers, name, _spied(werkzeugs, name, looked_up))
        compression.compress_response(response)
        monkeypatch.undo()
    assert looked_up == []
    assert response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    assert "Own" in gzip.decompress(response.get_data()).decode()


def _spied(method: Callable[..., Any], name: str, calls: list[str]) -> Callable[..., Any]:
    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return method(*args, **kwargs)

    return spy
