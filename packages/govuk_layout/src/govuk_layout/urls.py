"""Links that work under a path prefix.

Behind a proxy that sends ``X-Forwarded-Prefix`` (trusted through ``GOVUK_PROXY_FIX_HOPS``),
Werkzeug's ProxyFix makes the prefix the request's ``script_root``: ``url_for`` and
``asset_url`` include it by themselves. Paths written in config (``GOVUK_SERVICE_URL``,
navigation and footer links) and the request's own path do not, so they go through here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def app_url(value: str) -> str:
    """A link from config: a path is the app's own, so it gets the prefix; a URL or ``mailto:`` stays as it is."""
    if value.startswith("/") and not value.startswith("//"):
        return request.script_root + value
    return value


def current_path() -> str:
    """This page's path and query as a link back to it, with the prefix."""
    return request.script_root + (request.full_path if request.query_string else request.path)


def safe_return_path(value: str | None) -> str | None:
    """``value`` when it is a path on this site (``/staff?page=2``), else None: what a return link may follow.

    Refuses anything a browser could read as another site (a scheme, a host, ``//``, a backslash) and
    anything unprintable, since CR/LF would split the Location header.
    """
    if not value or not value.isprintable() or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parts = urlsplit(value)
    return None if parts.scheme or parts.netloc else value
