"""Dynamic responses: brotli or gzip as the client prefers, with Vary: Accept-Encoding."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import brotli
import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from govuk_layout.compression import add_vary
from govuk_layout.testing.weight import decoded

PAGE = "<!DOCTYPE html><p>" + "A GOV.UK page with enough text to be worth compressing. " * 40


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()

    @app.get("/page")
    def page() -> str:
        return PAGE

    @app.get("/small")
    def small() -> str:
        return "<p>short</p>"

    @app.get("/png")
    def png() -> Response:
        return Response(b"\x89PNG" + b"\0" * 2000, mimetype="image/png")

    @app.get("/tagged/<path:etag>")
    def tagged(etag: str) -> Response:
        return Response(PAGE, mimetype="text/html", headers={"ETag": etag})

    @app.get("/encoded")
    def encoded() -> Response:
        body = gzip.compress(PAGE.encode())
        return Response(body, mimetype="text/html", headers={"Content-Encoding": "gzip"})

    return app


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("br;q=1.0, gzip;q=0.8", "br"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("gzip, br;q=0", "gzip"),
        ("deflate, gzip", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("br;q=0, gzip;q=0", None),
        (None, None),
    ],
)
def test_html_is_compressed_as_the_client_prefers(
    client: FlaskClient, accept: str | None, encoding: str | None
) -> None:
    response = client.get("/page", headers={"Accept-Encoding": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    body = response.get_data()
    assert decoded(body, encoding).decode() == PAGE
    assert int(response.headers["Content-Length"]) == len(body)
    if encoding:
        assert len(body) < len(PAGE) / 4


def test_govuk_pages_are_compressed(client: FlaskClient) -> None:
    response = client.get("/privacy", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    html = brotli.decompress(response.get_data()).decode()
    assert html.startswith("<!DOCTYPE html>") and "Privacy notice" in html


def test_error_pages_are_compressed(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 404
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Page not found" in gzip.decompress(response.get_data()).decode()


def test_small_responses_are_left_alone_but_still_vary(client: FlaskClient) -> None:
    response = client.get("/small", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.get_data(as_text=True) == "<p>short</p>"


def test_binary_types_are_not_compressed(client: FlaskClient) -> None:
    response = client.get("/png", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" not in response.headers.get("Vary", "")


def test_an_encoded_response_is_not_encoded_twice(client: FlaskClient) -> None:
    response = client.get("/encoded", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()).decode() == PAGE


@pytest.mark.parametrize(("etag", "sent"), [('"v1"', 'W/"v1"'), ('W/"v1"', 'W/"v1"'), ("-", "-")])
def test_a_compressed_responses_etag_is_weak(client: FlaskClient, etag: str, sent: str) -> None:
    """The compressed bytes are not the ones a strong ETag names: only a weak one still holds."""
    response = client.get(f"/tagged/{etag}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers.getlist("ETag") == [sent]


def test_a_compressed_response_without_an_etag_gets_none(client: FlaskClient) -> None:
    response = client.get("/page", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "ETag" not in response.headers


@pytest.mark.parametrize(
    "vary",
    [[], ["Cookie"], ["accept-encoding"], ["Accept-Encoding, Cookie"], ["A", "B"], [""], ['X, "Y"']],
)
@pytest.mark.parametrize("names", [("Accept-Encoding",), ("Accept-Language", "Cookie"), ("y",), ()])
def test_add_vary_gives_the_headers_werkzeugs_vary_set_gives(vary: list[str], names: tuple[str, ...]) -> None:
    headers = [("Vary", value) for value in vary]
    expected, response = Response("x", headers=headers), Response("x", headers=headers)
    expected.vary.update(names)
    add_vary(response, *names)
    assert response.headers.to_wsgi_list() == expected.headers.to_wsgi_list()


def _mutated(response: Response, change: str) -> None:
    headers = response.headers
    if change == "replaced":
        headers["Vary"] = "Origin"
    elif change == "removed":
        del headers["Vary"]
    elif change == "moved":  # a header before it removed: the entry is no longer where it was written
        del headers["Content-Type"]
    elif change == "second":
        headers.add("Vary", "Origin")


@pytest.mark.parametrize("change", ["none", "replaced", "removed", "moved"])
def test_add_vary_after_any_change_gives_what_werkzeugs_vary_set_gives(change: str) -> None:
    expected, response = Response("x"), Response("x")
    for names in [("Accept-Encoding",), ("Accept-Language", "Cookie")]:
        for each in (expected, response):
            _mutated(each, change)
        expected.vary.update(names)
        add_vary(response, *names)
    add_vary(response, "Cookie")
    assert response.headers.to_wsgi_list() == expected.headers.to_wsgi_list()


def test_a_second_vary_header_added_by_hand_is_kept() -> None:
    response = Response("x")
    add_vary(response, "Accept-Encoding")
    _mutated(response, "second")
    add_vary(response, "Cookie")
    assert response.headers.getlist("Vary") == ["Accept-Encoding, Cookie", "Origin"]


def test_add_vary_searches_the_headers_once_per_response(monkeypatch: pytest.MonkeyPatch) -> None:
    """A response's hooks add to Vary three times; only the first looks for a Vary header among all the others."""
    response = Response("x", headers={"X-Other": "1"})
    searched = []
    werkzeugs = Headers.getlist
    monkeypatch.setattr(
        Headers, "getlist", lambda self, key, *a, **k: searched.append(key) or werkzeugs(self, key, *a, **k)
    )
    add_vary(response, "Accept-Encoding")
    add_vary(response, "Accept-Language", "Cookie")
    add_vary(response, "Cookie")
    assert searched == ["Vary"]
    assert response.headers["Vary"] == "Accept-Encoding, Accept-Language, Cookie"
