"""Optional Google Analytics 4, loaded only after someone accepts analytics cookies.

``GOVUK_GOOGLE_ANALYTICS_ID`` turns it on. Pages then load Google's tag (``gtag.js``, served
by Google Tag Manager) only when the consent cookie says yes (``components/analytics.html``,
with the CSP nonce); the CSP gains the hosts below, once, at start-up. Rejecting or withdrawing
consent expires the ``_ga`` cookies the tag set (:func:`expire_cookies`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

TAG_MANAGER = "https://www.googletagmanager.com"
TAG_SCRIPT = f"{TAG_MANAGER}/gtag/js"  # the template adds ?id=<measurement id>
# What Google's CSP guide lists for GA4 alone (no Google Signals or Ads, which the tag is told to leave off):
# the tag's script, and its beacons to the regional collection endpoints.
CSP_SOURCES = {
    "script-src": (TAG_MANAGER,),
    "img-src": ("https://*.google-analytics.com", TAG_MANAGER),
    "connect-src": ("https://*.google-analytics.com", "https://*.analytics.google.com", TAG_MANAGER),
}
# GA4 names its cookies _ga (the client id) and _ga_<measurement id without "G-"> (the session).
COOKIE_PREFIX = "_ga"


def init_app(app: Flask) -> None:
    """Give templates the tag's URL (components/analytics.html)."""
    app.jinja_env.globals["google_tag_script"] = TAG_SCRIPT


def measurement_id() -> str | None:
    """The app's GA4 measurement id, or None when analytics is off."""
    value: str | None = current_app.config.get("GOVUK_GOOGLE_ANALYTICS_ID")
    return value


def content_security_policy(policy: Mapping[str, str], measurement: str | None) -> dict[str, str]:
    """``policy`` with GA4's hosts added when ``measurement`` is set; otherwise ``policy`` as it is.

    A directive the policy leaves out falls back to ``default-src``, so the hosts are added to a copy
    of that, never in place of it; with neither, nothing restricts the directive and nothing is added.
    """
    merged = dict(policy)
    if not measurement:
        return merged
    for directive, hosts in CSP_SOURCES.items():
        sources = merged.get(directive, merged.get("default-src"))
        if sources is None:
            continue
        kept = [source for source in sources.split() if source != "'none'"]
        merged[directive] = " ".join([*kept, *(host for host in hosts if host not in kept)])
    return merged


def _cookie_domains(host: str) -> Iterator[str | None]:
    """Where GA4 may have set its cookies for ``host``: host-only, or (its default, ``cookie_domain: auto``) on
    the highest parent domain a browser lets this host use. Which one is not sent back to the server, so each
    parent with at least two labels is tried; a browser ignores the public suffixes (``gov.uk``) among them."""
    yield None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.rstrip(".").split(".")
        for start in range(len(labels) - 1):
            yield ".".join(labels[start:])


def expire_cookies(response: Response) -> None:
    """Expire every ``_ga*`` cookie this request carries, wherever GA4 may have set it (always at path ``/``)."""
    names = [name for name in request.cookies if name.startswith(COOKIE_PREFIX)]
    if not names:
        return
    domains = list(_cookie_domains(urlsplit(f"//{request.host}").hostname or ""))
    for name in names:
        for domain in domains:
            response.delete_cookie(name, path="/", domain=domain)
