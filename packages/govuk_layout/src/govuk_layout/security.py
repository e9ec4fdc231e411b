"""Security headers with a per-request CSP nonce, proxy trust and session-cookie flags.

Every response Flask builds, error pages included, gets the headers from one
``after_request`` hook (:class:`PageHeaders`): the list is worked out once per app,
and a request only adds its nonce to the Content-Security-Policy (:class:`PagePolicy`)
and, over https, Strict-Transport-Security. Static files served outside Flask
(WhiteNoise) get the same headers from :func:`static_security_headers`, so both
paths share one source.

Flask-Talisman set them before. It is not used now because its cost is all per
request: it works out its options three times a request (a view lookup and eight
defaults each), rebuilds the Permissions-Policy string, reads X-Forwarded-Proto
twice and runs a nonce hook that does nothing here (the CSP is ours), several times
what the precomputed list costs (docs/performance.md). We used none of its per-view
options, and the static files already needed the same headers without it. What it
decided is kept: the same headers and values, HSTS only when the request is https
or X-Forwarded-Proto says so, and with ``GOVUK_FORCE_HTTPS`` a 302 to https except
in debug.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, redirect, request
from werkzeug.datastructures import Headers
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from govuk_layout import analytics, randomness
from govuk_layout.responses import header_list

NONCE_DIRECTIVE = "script-src"
# Headers RFC 6797 (section 7.2) forbids over plain http.
HTTPS_ONLY = frozenset({"Strict-Transport-Security"})
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
DENY = "DENY"
# The headers a view may set for itself; every other security header replaces the view's.
VIEW_MAY_SET = ("Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy")


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


def _fixed_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """The headers that are the same on every response, pages and static files alike."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": DENY,
        "Referrer-Policy": config["GOVUK_REFERRER_POLICY"],
        "Cross-Origin-Opener-Policy": config["GOVUK_CROSS_ORIGIN_OPENER_POLICY"],
        # No other site may embed these responses (pages showing answers included) as images, scripts or frames.
        "Cross-Origin-Resource-Policy": CROSS_ORIGIN_RESOURCE_POLICY,
    }
    if config["GOVUK_PERMISSIONS_POLICY"]:
        headers["Permissions-Policy"] = _structured(config["GOVUK_PERMISSIONS_POLICY"])
    return headers


def static_security_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """The security headers for a static file response over https, from the app's validated config.

    For static servers that bypass Flask (WhiteNoise, static.py). Those in :data:`HTTPS_ONLY` are
    sent only when :func:`over_https` says the request came over https, as on pages.
    """
    if not config["GOVUK_SECURITY_HEADERS"]:
        return {}
    headers = {
        "Content-Security-Policy": content_security_policy(config["GOVUK_CONTENT_SECURITY_POLICY"]),
        **_fixed_headers(config),
    }
    if config["GOVUK_HSTS_MAX_AGE"]:
        headers["Strict-Transport-Security"] = _hsts(config["GOVUK_HSTS_MAX_AGE"])
    return headers


def csp_nonce() -> str:
    """This request's nonce, made at its first use (a page's template), so responses without a page make none."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup, not three
    nonce = getattr(current, "csp_nonce", None)
    if not nonce:
        nonce = current.csp_nonce = randomness.token_urlsafe(24)
    return str(nonce)


def _template_context() -> dict[str, str]:
    # govuk-frontend-jinja's template.html and base.html read the nonce as ``cspNonce``.
    return {"cspNonce": csp_nonce()}


def over_https(environ: Mapping[str, Any]) -> bool:
    """Whether the request came over https: its scheme, or the ingress's X-Forwarded-Proto.

    As Flask-Talisman decided, the header is believed even without proxy trust: it only decides
    HSTS and the https redirect, and a browser reads HSTS only over https.
    """
    return environ.get("wsgi.url_scheme") == "https" or environ.get("HTTP_X_FORWARDED_PROTO") == "https"


class PageHeaders:
    """Every security header a response from Flask gets, worked out once per app.

    Per request only the CSP's nonce and whether HSTS applies (the request came over https) are
    decided.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.policy = PagePolicy(page_policy(config))
        fixed = _fixed_headers(config)
        self.defaults = [(name, fixed.pop(name)) for name in VIEW_MAY_SET]
        self.replaced = list(fixed.items())
        max_age = config["GOVUK_HSTS_MAX_AGE"]
        self.hsts = ("Strict-Transport-Security", _hsts(max_age)) if max_age else None
        names = ["Content-Security-Policy", "Strict-Transport-Security", *VIEW_MAY_SET, *fixed]
        self._names = {name.lower() for name in names}
        # Werkzeug checks every value it is given for line breaks, a regex over each of them on every response
        # (the most of this hook's cost). These are checked once here, so add_to can append them as they are.
        Headers([*self.defaults, *self.replaced, *([self.hsts] if self.hsts else [])])

    def add_to(self, response: Response) -> Response:
        """An ``after_request`` hook."""
        headers = response.headers
        current = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup, not three
        csp = ("Content-Security-Policy", self.policy.header(getattr(current, "csp_nonce", None)))
        replaced = (
            [csp, *self.replaced, self.hsts] if self.hsts and over_https(current.environ) else [csp, *self.replaced]
        )
        if self._names.isdisjoint(name.lower() for name, _ in headers):  # the usual case: appended at once
            added = [*replaced, *self.defaults]
            listed = header_list(headers)
            if listed is not None and "\n" not in csp[1] and "\r" not in csp[1]:  # the nonce is ours
                listed += added
            else:
                headers[len(headers) :] = added  # a slice: extend() makes a call per header
            return response
        for name, value in replaced:
            headers[name] = value
        for name, value in self.defaults:
            headers.setdefault(name, value)
        return response


def _force_https() -> Response | None:
    """A ``before_request`` hook: plain http is redirected to the same URL over https (``GOVUK_FORCE_HTTPS``)."""
    if current_app.debug or over_https(request.environ):
        return None
    url = request.url
    if url.startswith("http://"):
        return redirect("https://" + url.removeprefix("http://"), code=302)
    return None


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
    if app.config["GOVUK_FORCE_HTTPS"]:
        app.before_request(_force_https)
    # For templates written for Flask-Talisman, which offered the nonce as ``csp_nonce()``.
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.context_processor(_template_context)
    app.after_request(PageHeaders(app.config).add_to)
