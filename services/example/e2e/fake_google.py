"""Google's analytics hosts, faked inside the browser, so the analytics tests send nothing off this machine.

``Offline(page, server_url)`` routes every request of the page's browser context: the service's own go
through; Google Tag Manager's ``gtag.js`` gets a tiny stand-in that sets ``_ga`` and ``_ga_<id>`` from the
page, as the real tag does, and sends one hit to Google Analytics' collection host, which answers 204;
anything else is aborted and recorded in ``blocked``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Route

MEASUREMENT_ID = "G-E2ETEST1"
TAG_HOST = "www.googletagmanager.com"
COLLECT_HOST = "region1.google-analytics.com"
# Like gtag.js: first-party cookies set from the page for two years, then a hit sent with fetch (connect-src).
FAKE_GTAG = f"""
(function () {{
  var id = new URL(document.currentScript.src).searchParams.get("id")
  var lasting = "; max-age=63072000; path=/; SameSite=Lax"
  document.cookie = "_ga=GA1.1.1234567890.1700000000" + lasting
  document.cookie = "_ga_" + id.slice(2) + "=GS1.1.1700000000.1.0.1700000000.0.0.0" + lasting
  fetch("https://{COLLECT_HOST}/g/collect?v=2&tid=" + id, {{ method: "POST", mode: "no-cors", keepalive: true }})
  var queued = (window.dataLayer || []).map(function (entry) {{ return Array.prototype.slice.call(entry).map(String) }})
  window.fakeGtag = {{ id: id, dataLayer: queued }}
}})()
"""


class Offline:
    """What one page asked of Google (``tags``, ``hits``) and of anywhere else (``blocked``, aborted)."""

    def __init__(self, page: Page, server_url: str) -> None:
        self.page = page
        self.server = urlsplit(server_url).netloc
        self.tags: list[str] = []
        self.hits: list[str] = []
        self.blocked: list[str] = []
        page.context.route("**/*", self._route)

    def _route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc == self.server:
            route.continue_()
        elif parts.scheme == "https" and parts.hostname == TAG_HOST and parts.path == "/gtag/js":
            self.tags.append(url)
            route.fulfill(status=200, content_type="text/javascript", body=FAKE_GTAG)
        elif parts.scheme == "https" and parts.hostname == COLLECT_HOST:
            self.hits.append(url)
            route.fulfill(status=204, headers={"Access-Control-Allow-Origin": "*"})
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def ga_cookies(self) -> dict[str, str]:
        """The ``_ga*`` cookies the browser holds now."""
        return {
            cookie["name"]: cookie["value"]
            for cookie in self.page.context.cookies()
            if cookie["name"].startswith("_ga")
        }
