"""Static files: fingerprinted URLs, year-long immutable caching, build-time brotli/gzip and Vary."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin

import pytest
from flask import Flask
from flask.testing import FlaskClient

from govuk_layout import assets
from govuk_layout.static import IMMUTABLE, UnknownAsset
from govuk_layout.testing.weight import decoded

HASHED = re.compile(r"\.[0-9a-f]{12}(\.\w+)$")


def _linked(html: str) -> dict[str, str]:
    """Asset URLs the page links to, by their plain file name."""
    urls = re.findall(r'(?:href|src)="(/assets/[^"]+)"', html) + re.findall(r'from "(/assets/[^"]+)"', html)
    return {HASHED.sub(r"\1", url.removeprefix("/assets/")): url for url in urls}


@pytest.fixture
def page(client: FlaskClient) -> str:
    return client.get("/privacy").get_data(as_text=True)


def test_the_page_links_fingerprinted_css_js_and_icons(page: str) -> None:
    linked = _linked(page)
    for name in (
        assets.GOVUK_CSS,
        assets.CREST_CSS,
        "govuk-frontend.min.js",
        "images/favicon.svg",
        "images/govuk-icon-180.png",
        "manifest.json",
    ):
        assert name in linked, name
    manifest = assets.load_manifest()
    for url in linked.values():
        assert HASHED.search(url), url
        assert url.removeprefix("/assets/") in manifest.values()


def test_fingerprinted_files_are_immutable_for_a_year(client: FlaskClient, page: str) -> None:
    for url in _linked(page).values():
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == IMMUTABLE


def test_plain_names_still_work_but_are_revalidated(client: FlaskClient) -> None:
    with client.get("/assets/govuk-frontend.min.css") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=3600, public"
        assert "immutable" not in response.headers["Cache-Control"]


def _css_url(page: str) -> str:
    return next(url for url in _linked(page).values() if url.endswith(".css"))


def test_css_fonts_and_images_resolve_to_immutable_fingerprinted_files(client: FlaskClient, page: str) -> None:
    references = set()
    for css_url in (url for url in _linked(page).values() if url.endswith(".css")):  # the page's and the crest's
        with client.get(css_url) as response:
            css = response.get_data(as_text=True)
        references |= {(css_url, reference) for reference in re.findall(r"url\(([^)]+)\)", css)}
    assert any(ref.endswith(".woff2") for _, ref in references) and any(ref.endswith(".svg") for _, ref in references)
    for css_url, reference in references:
        assert not reference.startswith("/"), "relative, so any GOVUK_ASSETS_URL works"
        with client.get(urljoin(css_url, reference)) as response:
            assert response.status_code == 200, reference
            assert response.headers["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br", "br"),
        ("br", "br"),
        ("gzip", "gzip"),
        ("deflate, gzip", "gzip"),
        ("identity", None),
        (None, None),
    ],
)
def test_css_negotiates_brotli_then_gzip_with_vary(
    client: FlaskClient, page: str, accept: str | None, encoding: str | None
) -> None:
    css_url = _css_url(page)
    headers = {"Accept-Encoding": accept} if accept else {}
    with client.get(css_url, headers=headers) as response:
        body = response.get_data()
        assert response.headers.get("Content-Encoding") == encoding
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["Cache-Control"] == IMMUTABLE
    with client.get(css_url, headers={"Accept-Encoding": "identity"}) as plain:
        original = plain.get_data()
    assert decoded(body, encoding) == original
    if encoding:
        assert len(body) < len(original) / 5


def test_fonts_are_never_recompressed_and_carry_no_vary(client: FlaskClient, page: str) -> None:
    with client.get(_css_url(page)) as response:
        font = re.search(r"url\(([^)]+\.woff2)\)", response.get_data(as_text=True))
    assert font is not None
    with client.get(urljoin(_css_url(page), font[1]), headers={"Accept-Encoding": "br, gzip"}) as response:
        assert response.mimetype == "font/woff2"
        assert "Content-Encoding" not in response.headers
        assert "Vary" not in response.headers
        assert response.headers["Cache-Control"] == IMMUTABLE


def test_a_repeat_request_can_be_answered_not_modified(client: FlaskClient, page: str) -> None:
    with client.get(_css_url(page)) as first:
        etag = first.headers["ETag"]
    with client.get(_css_url(page), headers={"If-None-Match": etag}) as second:
        assert second.status_code == 304
        assert second.headers["Vary"] == "Accept-Encoding"


def test_static_files_carry_the_security_headers(client: FlaskClient, page: str) -> None:
    with client.get(_css_url(page)) as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize(
    ("base_url", "proto", "hsts"),
    [
        ("http://localhost", None, False),
        ("https://localhost", None, True),
        ("http://localhost", "https", True),  # the ingress received it over https
        ("http://localhost", "http", False),
    ],
)
def test_static_files_send_hsts_only_over_https(
    client: FlaskClient, page: str, base_url: str, proto: str | None, hsts: bool
) -> None:
    """As pages do: RFC 6797 (section 7.2) forbids the header over plain http."""
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    for url in _linked(page).values():
        with client.get(url, base_url=base_url, headers=headers) as response:
            assert response.status_code == 200, url
            assert ("Strict-Transport-Security" in response.headers) is hsts, url
            assert len(response.headers.getlist("Strict-Transport-Security")) <= 1


def test_static_files_are_not_offered_to_other_sites(client: FlaskClient, page: str) -> None:
    """No Access-Control-Allow-Origin: the pages load them from their own origin, and another site may not.

    Cross-Origin-Resource-Policy stops other sites embedding them, but not reading them through CORS
    (a font in their stylesheet, a fetch): GDS Transport is licensed for GOV.UK services only.
    """
    with client.get(_css_url(page)) as response:
        font = re.search(r"url\(([^)]+\.woff2)\)", response.get_data(as_text=True))
    assert font is not None
    for url in [*_linked(page).values(), urljoin(_css_url(page), font[1])]:
        with client.get(url, headers={"Origin": "https://elsewhere.example"}) as response:
            assert response.status_code == 200, url
            assert "Access-Control-Allow-Origin" not in response.headers, url


def test_static_files_are_served_before_flask(app: Flask) -> None:
    """No view, hook or session runs for an asset: WhiteNoise answers it."""
    seen: list[str] = []
    app.before_request(lambda: seen.append("flask"))
    with app.test_client().get("/assets/" + assets.load_manifest()["govuk-frontend.min.css"]) as response:
        assert response.status_code == 200
    assert seen == []


def test_a_missing_asset_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/assets/nope.css")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_another_assets_url_serves_the_same_files(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_ASSETS_URL="/static/govuk")
    client = app.test_client()
    html = client.get("/privacy").get_data(as_text=True)
    css_url = re.search(r'href="(/static/govuk/govuk-frontend-govuk\.min\.[0-9a-f]{12}\.css)"', html)
    assert css_url is not None
    with client.get(css_url[1]) as response:
        assert response.headers["Cache-Control"] == IMMUTABLE
        font = re.search(r"url\(([^)]+\.woff2)\)", response.get_data(as_text=True))
    assert font is not None
    with client.get(urljoin(css_url[1], font[1])) as response:
        assert response.status_code == 200
    assert client.get("/assets/govuk-frontend.min.css").status_code == 404


def test_asset_urls_follow_the_mount_point(app: Flask) -> None:
    from govuk_layout.templating import asset_url

    with app.test_request_context("/privacy", base_url="http://localhost/apply"):
        assert re.fullmatch(r"/apply/assets/govuk-frontend\.min\.[0-9a-f]{12}\.js", asset_url("govuk-frontend.min.js"))
        assert asset_url("govuk-frontend.min.css.br") == "/apply/assets/govuk-frontend.min.css.br"  # installed, plain


@pytest.mark.parametrize(
    ("config", "strict"),
    [({}, True), ({"TESTING": False, "GOVUK_ENVIRONMENT": "development"}, True), ({"TESTING": False}, False)],
    ids=["tests", "development", "production"],
)
def test_an_unknown_asset_name_raises_except_in_production(
    make_app: Callable[..., Flask], config: dict[str, object], strict: bool
) -> None:
    from govuk_layout.templating import asset_url

    app = make_app(**config, REDIS_URL="redis://127.0.0.1:1")  # production needs a Redis URL; nothing connects here
    with app.test_request_context("/"):
        for typo in ("govuk-frontend.css", "images/favicon.icon", "../static.py", "/etc/passwd"):
            if strict:
                with pytest.raises(UnknownAsset, match=re.escape(f"asset_url({typo!r}): govuk-frontend has no such")):
                    asset_url(typo)
            else:
                assert asset_url(typo) == f"/assets/{typo}"  # a 404 at worst, never a 500 for users
        assert re.fullmatch(r"/assets/images/favicon\.[0-9a-f]{12}\.svg", asset_url("images/favicon.svg"))
