"""Hostile input against the standard pages: never a 500, always a GOV.UK page, nothing unescaped or stored.

Property-based with hypothesis, derandomized so every run tries the same cases.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from govuk_layout.testing import FormClient, form_client
from govuk_layout.testing.hostile import HOSTILE, PAYLOADS, assert_safe, hostile_text

PAGES = ["/", "/cookies", "/accessibility", "/privacy"]
text = hostile_text(max_size=300)
field_names = st.one_of(
    st.sampled_from(["analytics", "source", "next", "csrf_token", "analytics[]", "", "__proto__"]), text
)
content_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin1",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "application/json",
        "text/plain",
        "text/html; charset=utf-16",
        "",
    ]
)


@pytest.fixture
def hostile_app(make_analytics_app: Callable[..., Flask]) -> Flask:
    return make_analytics_app(RATELIMIT_ENABLED=False)  # these tests send far more than a person would


@pytest.fixture
def app(make_analytics_app: Callable[..., Flask]) -> Flask:
    """With analytics on, so the cookies page has its form (the one these tests post)."""
    return make_analytics_app()


def assert_consent_is_valid(client: FormClient) -> None:
    cookie = client.get_cookie("cookies_policy")
    assert cookie is None or cookie.value in ("analytics=yes", "analytics=no")


def test_cookie_form_fields(hostile_app: Flask) -> None:
    client = form_client(hostile_app)
    token = client.csrf_token("/cookies")

    @HOSTILE
    @given(fields=st.lists(st.tuples(field_names, text), max_size=8), with_token=st.booleans())
    def check(fields: list[tuple[str, str]], with_token: bool) -> None:
        data = [("csrf_token", token)] if with_token else []
        # Duplicated, missing and unexpected fields all arrive as a multi-valued form.
        form = [*data, *fields]
        with client.post("/cookies", data=_multidict(form)) as response:
            assert_safe(response)
            if response.status_code in (301, 302, 303):
                location = response.headers["Location"]
                assert location.startswith("/") and not location.startswith("//"), location
        assert_consent_is_valid(client)

    check()


def _multidict(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for key, value in pairs:
        merged.setdefault(key, []).append(value)
    return merged


def test_raw_bodies_of_any_type(hostile_app: Flask) -> None:
    client = form_client(hostile_app)
    token = client.csrf_token("/cookies")

    @HOSTILE
    @given(body=st.binary(max_size=2_000), content_type=content_types, prefix=st.booleans())
    def check(body: bytes, content_type: str, prefix: bool) -> None:
        # Sometimes a valid token first, so the body reaches the view.
        payload = (f"csrf_token={token}&".encode() if prefix else b"") + body
        with client.post("/cookies", data=payload, content_type=content_type) as response:
            assert_safe(response)
        assert_consent_is_valid(client)

    check()


def test_query_strings_of_any_bytes(hostile_app: Flask) -> None:
    client = form_client(hostile_app)

    @HOSTILE
    @given(
        path=st.sampled_from(PAGES),
        query=st.one_of(
            st.binary(max_size=300),
            st.sampled_from([p.encode() for p in PAYLOADS] + [b"\xed\xa0\x80", b"\xc0\xaf", b"%ff%fe", b"a=%"]),
        ),
    )
    def check(path: str, query: bytes) -> None:
        # As a WSGI server passes the raw request line: bytes decoded as latin-1.
        with client.get(path, environ_overrides={"QUERY_STRING": query.decode("latin-1")}) as response:
            assert_safe(response)

    check()


def test_paths_and_methods(hostile_app: Flask) -> None:
    client = form_client(hostile_app)

    @HOSTILE
    @given(
        path=st.one_of(st.sampled_from(PAGES), st.text(max_size=100).map(lambda s: "/" + s)),
        method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]),
    )
    def check(path: str, method: str) -> None:
        with client.open(path, method=method) as response:
            assert_safe(response)

    check()


def test_cookie_headers(hostile_app: Flask) -> None:
    client = form_client(hostile_app)

    # Anything a browser can put in a header: latin-1, no line breaks.
    header_text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=200)

    @HOSTILE
    @given(consent=header_text, session=header_text)
    def check(consent: str, session: str) -> None:
        cookie = f"cookies_policy={consent}; session={session}"
        with client.get("/cookies", headers={"Cookie": cookie}) as response:
            body = assert_safe(response)
            assert response.status_code == 200
        # A garbled choice is no choice: neither radio is pre-selected unless it says exactly yes or no.
        if consent not in ("analytics=yes", "analytics=no"):
            assert "checked" not in body

    check()


def test_an_oversized_body_gets_the_413_page(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_MAX_CONTENT_LENGTH=10_000)
    client = app.test_client()
    with client.post("/cookies", data={"analytics": "yes", "source": "page", "x": "A" * 20_000}) as response:
        assert response.status_code == 413
        assert "The information you sent is too large" in assert_safe(response)


def _streamed(client: FlaskClient, body: bytes) -> TestResponse:
    """POST ``body`` as a chunked request arrives from gunicorn: no Content-Length, the server marks its end."""
    environ = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}
    return client.post(
        "/cookies",
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        environ_overrides=environ,
    )


def test_a_chunked_body_over_the_limit_gets_the_413_page_not_a_cut_form(make_app: Callable[..., Flask]) -> None:
    client = make_app(GOVUK_MAX_CONTENT_LENGTH=10_000).test_client()
    with _streamed(client, b"analytics=yes&source=page&x=" + b"A" * 20_000) as response:
        assert response.status_code == 413
        assert "The information you sent is too large" in assert_safe(response)


def test_a_chunked_body_within_the_limit_is_read_whole(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_MAX_CONTENT_LENGTH=10_000, WTF_CSRF_ENABLED=False)  # to see the form after the checks
    seen: dict[str, str] = {}
    app.before_request(lambda: seen.update(request.form.to_dict()))
    with _streamed(app.test_client(), b"analytics=yes&x=" + b"A" * 9_000) as response:
        assert response.status_code < 500
    assert seen == {"analytics": "yes", "x": "A" * 9_000}


def test_an_app_can_allow_larger_bodies(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAX_CONTENT_LENGTH=5_000_000)
    assert app.config["MAX_CONTENT_LENGTH"] == 5_000_000
    assert make_app().config["MAX_CONTENT_LENGTH"] == 1_048_576


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (b"next=\xff\xfe", "not valid UTF-8"),
        (b"a=%00", "control characters"),
        (b"%1b=x", "control characters"),
    ],
)
def test_undecodable_or_control_character_queries_get_the_400_page(
    client: FormClient, query: bytes, reason: str
) -> None:
    with client.get("/privacy", environ_overrides={"QUERY_STRING": query.decode("latin-1")}) as response:
        assert response.status_code == 400
        assert "Sorry, there is a problem with your request" in assert_safe(response)


def test_invalid_percent_escapes_are_kept_as_text(client: FormClient) -> None:
    with client.get("/privacy?next=%zz%ff%") as response:
        assert response.status_code == 200


def test_control_characters_in_a_form_get_the_400_page_and_nothing_is_saved(client: FormClient) -> None:
    with client.post_form("/cookies", {"analytics": "yes", "source": "page", "note": "a\x00b"}) as response:
        assert response.status_code == 400
        assert_safe(response)
    assert client.get_cookie("cookies_policy") is None


def test_tabs_and_new_lines_are_ordinary_input(client: FormClient) -> None:
    with client.post_form(
        "/cookies", {"analytics": "no", "source": "page", "note": "line one\r\n\tline two"}
    ) as response:
        assert response.status_code == 302
