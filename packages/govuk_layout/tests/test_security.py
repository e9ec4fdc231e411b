"""Security headers, the CSP nonce, proxy trust, session cookies and static files."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask, abort, request
from flask.testing import FlaskClient
from werkzeug.wrappers import Response

from govuk_layout import ConfigError
from govuk_layout.security import PageHeaders, static_security_headers
from govuk_layout.testing import assert_security_headers, csp_directives, csrf_token

HTTPS = "https://service.example"
NONCE = re.compile(r"'nonce-([A-Za-z0-9_\-]+)'")

# Every kind of response the app can give, including errors and static files.
RESPONSES = [
    ("GET", "/", 200),
    ("GET", "/cookies", 200),
    ("GET", "/no/such/page", 404),
    ("DELETE", "/privacy", 405),
    ("GET", "/boom", 500),
    ("POST", "/cookies", 400),  # no CSRF token
    ("GET", "/healthz", 200),
    ("GET", "/assets/govuk-frontend.min.css", 200),
    ("GET", "/assets/govuk-frontend.min.js", 200),
]


@pytest.mark.parametrize(("method", "path", "status"), RESPONSES)
def test_every_response_carries_the_security_headers(client: FlaskClient, method: str, path: str, status: int) -> None:
    with client.open(path, method=method, base_url=HTTPS) as response:
        assert response.status_code == status
        assert_security_headers(response)


def test_behind_the_ingress_https_is_recognised(client: FlaskClient) -> None:
    """ProxyFix trusts one hop, so the ingress's X-Forwarded-Proto makes the request secure."""
    with client.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}) as response:
        assert_security_headers(response)


def test_proxy_headers_are_not_trusted_when_no_proxy_is_configured(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_PROXY_FIX_HOPS=0)
    seen: dict[str, object] = {}

    @app.get("/whoami")
    def whoami() -> str:
        seen.update(secure=request.is_secure, addr=request.remote_addr)
        return "ok"

    app.test_client().get("/whoami", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}).close()
    assert seen == {"secure": False, "addr": "127.0.0.1"}
    trusting = make_app()
    trusting.add_url_rule("/whoami", view_func=whoami)
    trusting.test_client().get(
        "/whoami", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    ).close()
    assert seen == {"secure": True, "addr": "203.0.113.9"}


def test_no_hsts_over_plain_http(client: FlaskClient) -> None:
    with client.get("/") as response:
        assert_security_headers(response, https=False)
        assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/cookies", "/no/such/page", "/boom"])
def test_csp_nonce_is_fresh_per_request_and_on_every_inline_script(client: FlaskClient, path: str) -> None:
    nonces = []
    for _ in range(2):
        with client.get(path, base_url=HTTPS) as response:
            (nonce,) = NONCE.findall(csp_directives(response)["script-src"])
            html = response.get_data(as_text=True)
        scripts = re.findall(r"<script\b([^>]*)>", html)
        # template.html's body-class script and base.html's module script, at least.
        assert len(scripts) >= 2
        for attributes in scripts:
            assert f'nonce="{nonce}"' in attributes
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 22  # at least 128 bits of randomness


def test_nonce_is_still_right_when_an_earlier_hook_fails(make_app: Callable[..., Flask]) -> None:
    """A before_request hook that aborts before Talisman's still gets a page whose scripts run."""
    app = make_app()
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: abort(403))
    with app.test_client().get("/", base_url=HTTPS) as response:
        assert response.status_code == 403
        (nonce,) = NONCE.findall(csp_directives(response)["script-src"])
        assert f'nonce="{nonce}"' in response.get_data(as_text=True)


def test_the_policy_is_configurable(make_app: Callable[..., Flask]) -> None:
    policy = {"default-src": "'self'", "script-src": "'self'", "img-src": "'self' data:"}
    app = make_app(GOVUK_CONTENT_SECURITY_POLICY=policy, GOVUK_HSTS_MAX_AGE=0)
    with app.test_client().get("/", base_url=HTTPS) as response:
        assert csp_directives(response)["img-src"] == "'self' data:"
        assert "frame-ancestors" not in csp_directives(response)
        assert "Strict-Transport-Security" not in response.headers


def test_page_headers_are_the_static_headers_with_the_pages_nonce(client: FlaskClient) -> None:
    """One list for both: every static header on a page, with the same value (the CSP apart from the nonce)."""
    expected = static_security_headers(client.application.config)
    with client.get("/", base_url=HTTPS) as page:
        for name, value in expected.items():
            assert NONCE.sub("", page.headers[name]).replace(" ;", ";") == value, name
        assert len(page.headers.getlist("X-Frame-Options")) == 1


def test_hsts_follows_x_forwarded_proto_even_without_proxy_trust(make_app: Callable[..., Flask]) -> None:
    """As Flask-Talisman did: HSTS is only read by browsers over https, so the header's word is enough."""
    client = make_app(GOVUK_PROXY_FIX_HOPS=0).test_client()
    with client.get("/", headers={"X-Forwarded-Proto": "https"}) as response:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    with client.get("/", headers={"X-Forwarded-Proto": "http"}) as response:
        assert "Strict-Transport-Security" not in response.headers


def test_a_views_own_security_headers_are_replaced_but_its_cross_origin_policies_kept(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()

    @app.get("/framed")
    def framed() -> tuple[str, dict[str, str]]:
        return "ok", {
            "X-Frame-Options": "SAMEORIGIN",
            "Content-Security-Policy": "default-src *",
            "Strict-Transport-Security": "max-age=1",
            "Cross-Origin-Opener-Policy": "unsafe-none",
            "Cross-Origin-Resource-Policy": "cross-origin",
        }

    with app.test_client().get("/framed", base_url=HTTPS) as response:
        assert response.headers.getlist("X-Frame-Options") == ["DENY"]
        assert response.headers.getlist("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
        assert csp_directives(response)["frame-ancestors"] == "'none'"
        assert response.headers.getlist("Cross-Origin-Opener-Policy") == ["unsafe-none"]
        assert response.headers.getlist("Cross-Origin-Resource-Policy") == ["cross-origin"]


@pytest.mark.parametrize(
    ("base_url", "headers", "debug", "redirected"),
    [
        ("http://service.example", {}, False, True),
        (HTTPS, {}, False, False),
        ("http://service.example", {"X-Forwarded-Proto": "https"}, False, False),
        ("http://service.example", {}, True, False),
    ],
)
def test_force_https_redirects_plain_http_to_the_same_url(
    make_app: Callable[..., Flask], base_url: str, headers: dict[str, str], debug: bool, redirected: bool
) -> None:
    app = make_app(GOVUK_FORCE_HTTPS=True)
    app.debug = debug
    with app.test_client().get("/privacy?lang=en", base_url=base_url, headers=headers) as response:
        if redirected:
            assert response.status_code == 302
            assert response.headers["Location"] == "https://service.example/privacy?lang=en"
            assert_security_headers(response, https=False)
        else:
            assert response.status_code == 200


def test_without_force_https_plain_http_is_served(client: FlaskClient) -> None:
    with client.get("/privacy", base_url="http://service.example") as response:
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"default-src": "'self'"}, "must declare script-src"),
        ({"script-src": "'self' 'unsafe-inline'"}, "must not allow 'unsafe-inline'"),
        ({"script-src": "'self' 'unsafe-eval'"}, "must not allow 'unsafe-eval'"),
        ({"script-src": "'self'; script-src *"}, "values have no ;"),
        ({"script-src": "'self'\r\nSet-Cookie: x=1"}, "line breaks"),
        ({"script-src": "'self'", "Script Src": "*"}, "lowercase words"),
    ],
)
def test_unsafe_policies_are_refused_at_start_up(
    make_app: Callable[..., Flask], policy: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        make_app(GOVUK_CONTENT_SECURITY_POLICY=policy)


def test_headers_can_be_switched_off(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_SECURITY_HEADERS=False)
    with app.test_client().get("/", base_url=HTTPS) as response:
        assert "Content-Security-Policy" not in response.headers
    assert static_security_headers(app.config) == {}


def test_session_cookie_is_host_prefixed_secure_httponly_and_lax_in_production(client: FlaskClient) -> None:
    with client.get("/privacy", base_url=HTTPS) as response:
        cookie = response.headers["Set-Cookie"]
    # __Host-: the browser refuses it without Secure and Path=/, or with a Domain.
    assert cookie.startswith("__Host-session=")
    assert "; Path=/" in cookie
    assert "Domain=" not in cookie
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie


def test_development_allows_plain_http_and_generates_a_key(make_analytics_app: Callable[..., Flask]) -> None:
    app = make_analytics_app(GOVUK_ENVIRONMENT="development", SECRET_KEY=None)  # so the cookies page has a form
    assert app.secret_key and len(str(app.secret_key)) >= 32
    client = app.test_client()
    with client.get("/cookies") as response:
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "; Secure" not in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie
    token = csrf_token(response.get_data(as_text=True))
    # The session works over http, so the form's CSRF token is accepted.
    with client.post("/cookies", data={"csrf_token": token, "analytics": "no", "source": "page"}) as saved:
        assert saved.status_code == 302


def test_production_refuses_to_start_without_a_secret_key(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY is required when GOVUK_ENVIRONMENT is production"):
        make_app(SECRET_KEY=None)


def test_production_reads_the_secret_key_from_the_environment(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on Cloud Platform, where it comes from a Secret as an environment variable."""
    monkeypatch.setenv("SECRET_KEY", "from-the-kubernetes-secret")
    app = make_app(SECRET_KEY=None)
    assert app.secret_key == "from-the-kubernetes-secret"


def test_static_headers_match_what_static_responses_carry(app: Flask) -> None:
    """Whichever server answers /assets (Flask or WhiteNoise), it sends the shared static headers."""
    expected = static_security_headers(app.config)
    assert expected["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" in expected
    with app.test_client().get("/assets/govuk-frontend.min.css", base_url=HTTPS) as response:
        assert response.status_code == 200
        for name, value in expected.items():
            # Flask's own static route would add a (harmless) nonce; the policy is otherwise the same.
            assert NONCE.sub("", response.headers[name]).replace(" ;", ";") == value, name
    with app.test_client().get("/", base_url=HTTPS) as page:
        assert (
            NONCE.sub("", page.headers["Content-Security-Policy"]).replace(" ;", ";")
            == expected["Content-Security-Policy"]
        )


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("/assets/govuk-frontend.min.css", "text/css"),
        ("/assets/govuk-frontend.min.js", "text/javascript"),
        ("/assets/fonts/bold-b542beb274-v2.woff2", "font/woff2"),
        ("/assets/images/govuk-crest.svg", "image/svg+xml"),
        ("/assets/images/favicon.ico", "image/x-icon"),
        ("/assets/manifest.json", "application/json"),
    ],
)
def test_static_files_have_the_right_type_and_nosniff(client: FlaskClient, path: str, mimetype: str) -> None:
    with client.get(path) as response:
        assert response.status_code == 200, path
        assert response.mimetype in (mimetype, "image/vnd.microsoft.icon" if path.endswith(".ico") else mimetype)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../config.py",
        "/assets/%2e%2e/config.py",
        "/assets/..%2fconfig.py",
        "/assets/..%5cconfig.py",
        "/assets/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/assets/fonts/../../security.py",
        "/assets//etc/passwd",
        "/assets/%2fetc%2fpasswd",
        "/assets/....//config.py",
        "/assets/govuk-frontend.min.css%00.py",
    ],
)
def test_static_files_cannot_escape_their_folder(client: FlaskClient, path: str) -> None:
    # Flask merges doubled slashes with a same-site redirect; wherever it lands is not found.
    with client.get(path, follow_redirects=True) as response:
        assert response.status_code in (400, 404), path
        body = response.get_data(as_text=True)
    for leaked in ("from __future__", "class LayoutSettings", "[project]", "root:x:0:0"):
        assert leaked not in body


def test_the_assets_pages_link_to_carry_the_headers(client: FlaskClient) -> None:
    """The URLs templates actually use (fingerprinted or not) are served with the static headers."""
    html = client.get("/cookies").get_data(as_text=True)
    linked = re.findall(r'"(/assets/[^"]+)"', html)
    assert any(url.endswith(".css") for url in linked) and any(url.endswith(".js") for url in linked)
    for url in linked:
        with client.get(url, base_url=HTTPS) as response:
            assert response.status_code == 200, url
            assert_security_headers(response)


def test_a_nonce_with_a_line_break_never_becomes_a_header(make_app: Callable[..., Flask]) -> None:
    """The headers are appended without Werkzeug's check of each value; the one per-request part still is."""
    app = make_app()
    headers = PageHeaders(app.config)
    with app.test_request_context("/"):
        request.csp_nonce = "n\r\nX-Injected: 1"  # type: ignore[attr-defined]
        with pytest.raises(ValueError, match="newline"):
            headers.add_to(Response("x"))


def test_a_header_value_with_a_line_break_is_refused_when_the_app_starts(make_app: Callable[..., Flask]) -> None:
    config = {**make_app().config, "GOVUK_REFERRER_POLICY": "no-referrer\r\nX-Injected: 1"}  # past the schema
    with pytest.raises(ValueError, match="newline"):
        PageHeaders(config)


def test_the_security_headers_are_not_checked_again_on_each_response(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Werkzeug's check of each header value was most of this hook: a Werkzeug whose Headers no longer keeps its
    list where PageHeaders appends to it would bring the check back, and this says so."""
    from werkzeug.datastructures import headers as werkzeug_headers

    app = make_app()
    page_headers, response = PageHeaders(app.config), Response("x")
    checked: list[str] = []
    check = werkzeug_headers._str_header_value
    monkeypatch.setattr(werkzeug_headers, "_str_header_value", lambda value: checked.append(value) or check(value))
    with app.test_request_context("/"):
        page_headers.add_to(response)
    assert checked == []
    assert response.headers["X-Frame-Options"] == "DENY"
