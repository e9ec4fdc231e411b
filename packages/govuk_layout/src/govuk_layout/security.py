"""Security headers with a per-request CSP nonce, proxy trust and session-cookie flags.

Flask-Talisman sets the headers on every response Flask builds, error pages
included, except the Content-Security-Policy: that one is built once per app and
only the request's nonce is put in (:class:`PagePolicy`). Static files served
outside Flask (WhiteNoise) get the same headers from :func:`static_security_headers`,
so both paths share one policy.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request
from flask_talisman import DENY, Talisman
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from govuk_layout import analytics

NONCE_DIRECTIVE = "script-src"
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
CSP_KEY = "govuk_layout.content_security_policy"


def content_security_policy(policy: Mapping[str, str], nonce: str | None = None) -> str:
    """The header value for ``policy``, with ``nonce`` added to script-src when given."""
    parts = []
    for directive, sources in policy.items():
        if nonce and directive == NONCE_DIRECTIVE:
            sources = f"{sources} 'nonce-{nonce}'"
        parts.append(f"{directive} {sources}".strip())
    return "; ".join(parts)


class PagePolicy:
    """The pages' Content-Security-Policy header, built once per app: a request only adds its nonce.

    A response whose request made no nonce (no page was rendered) gets the policy without one.
    """

    def __init__(self, policy: Mapping[str, str]) -> None:
        self.plain = content_security_policy(policy)
        marker = "\0"  # a character no validated policy holds
        self.before_nonce, _, self.after_nonce = content_security_policy(policy, marker).partition(marker)

    def header(self, nonce: str | None) -> str:
        return f"{self.before_nonce}{nonce}{self.after_nonce}" if nonce else self.plain


def page_policy(config: Mapping[str, Any]) -> dict[str, str]:
    """The pages' CSP: ``GOVUK_CONTENT_SECURITY_POLICY``, plus GA4's hosts when analytics is on (analytics.py)."""
    return analytics.content_security_policy(
        config["GOVUK_CONTENT_SECURITY_POLICY"], config.get("GOVUK_GOOGLE_ANALYTICS_ID")
    )


def _hsts(max_age: int) -> str:
    return f"max-age={max_age}; includeSubDomains"


def _structured(policy: Mapping[str, str]) -> str:
    return ", ".join(f"{feature}={allow}" for feature, allow in policy.items())


def static_security_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """The security headers for a static file response, from the app's validated config.

    For static servers that bypass Flask (WhiteNoise's ``add_headers_function``).
    HSTS is included: browsers ignore it over plain http, and a static server
    cannot always tell which scheme the ingress received.
    """
    if not config["GOVUK_SECURITY_HEADERS"]:
        return {}
    headers = {
        "Content-Security-Policy": content_security_policy(config["GOVUK_CONTENT_SECURITY_POLICY"]),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": DENY,
        "Referrer-Policy": config["GOVUK_REFERRER_POLICY"],
        "Permissions-Policy": _structured(config["GOVUK_PERMISSIONS_POLICY"]),
        "Cross-Origin-Opener-Policy": config["GOVUK_CROSS_ORIGIN_OPENER_POLICY"],
        "Cross-Origin-Resource-Policy": CROSS_ORIGIN_RESOURCE_POLICY,
    }
    if config["GOVUK_HSTS_MAX_AGE"]:
        headers["Strict-Transport-Security"] = _hsts(config["GOVUK_HSTS_MAX_AGE"])
    return headers


def csp_nonce() -> str:
    """This request's nonce, made at its first use (a page's template), so responses without a page make none."""
    if not getattr(request, "csp_nonce", None):
        request.csp_nonce = secrets.token_urlsafe(24)  # type: ignore[attr-defined]
    return str(request.csp_nonce)  # type: ignore[attr-defined]


def _template_context() -> dict[str, str]:
    # govuk-frontend-jinja's template.html and base.html read the nonce as ``cspNonce``.
    return {"cspNonce": csp_nonce()}


def _page_headers(response: Response) -> Response:
    policy: PagePolicy = current_app.extensions[CSP_KEY]
    response.headers["Content-Security-Policy"] = policy.header(getattr(request, "csp_nonce", None))
    return _cross_origin_policies(response)


def _cross_origin_policies(response: Response) -> Response:
    response.headers.setdefault("Cross-Origin-Opener-Policy", current_app.config["GOVUK_CROSS_ORIGIN_OPENER_POLICY"])
    # No other site may embed these responses (pages showing answers included) as images, scripts or frames.
    response.headers.setdefault("Cross-Origin-Resource-Policy", CROSS_ORIGIN_RESOURCE_POLICY)
    return response


def _session_cookies(app: Flask) -> None:
    secure = app.config["GOVUK_SECURE_COOKIES"]
    if secure is None:  # plain http is only for local development
        secure = app.config["GOVUK_ENVIRONMENT"] != "development"
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"


def init_app(app: Flask) -> None:
    """Trust the ingress, harden the session cookie and add the security headers."""
    hops = app.config["GOVUK_PROXY_FIX_HOPS"]
    if hops:
        # X-Forwarded-Prefix becomes the script root, so url_for, asset URLs and redirects carry the path prefix.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )
    _session_cookies(app)
    if not app.config["GOVUK_SECURITY_HEADERS"]:
        return
    max_age = app.config["GOVUK_HSTS_MAX_AGE"]
    app.extensions[CSP_KEY] = PagePolicy(page_policy(app.config))
    # Talisman sets the other headers; the CSP is ours (above), so its per-request policy build is skipped.
    Talisman(
        app,
        force_https=app.config["GOVUK_FORCE_HTTPS"],
        frame_options=DENY,
        strict_transport_security=bool(max_age),
        strict_transport_security_max_age=max_age,
        content_security_policy=None,
        referrer_policy=app.config["GOVUK_REFERRER_POLICY"],
        permissions_policy=dict(app.config["GOVUK_PERMISSIONS_POLICY"]),
        # The cookie flags are set above from the environment; Talisman's own would force Secure over local http.
        session_cookie_secure=False,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.context_processor(_template_context)
    app.after_request(_page_headers)
