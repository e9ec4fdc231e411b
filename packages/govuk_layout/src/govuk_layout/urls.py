"""Links that work under a path prefix.

Behind a proxy that sends ``X-Forwarded-Prefix`` (trusted through ``GOVUK_PROXY_FIX_HOPS``),
Werkzeug's ProxyFix makes the prefix the request's ``script_root``: ``url_for`` and
``asset_url`` include it by themselves. Paths written in config (``GOVUK_SERVICE_URL``,
navigation and footer links) and the request's own path do not, so they go through here.
"""

from __future__ import annotations

from flask import request


def app_url(value: str) -> str:
    """A link from config: a path is the app's own, so it gets the prefix; a URL or ``mailto:`` stays as it is."""
    if value.startswith("/") and not value.startswith("//"):
        return request.script_root + value
    return value


def current_path() -> str:
    """This page's path and query as a link back to it, with the prefix."""
    return request.script_root + (request.full_path if request.query_string else request.path)
