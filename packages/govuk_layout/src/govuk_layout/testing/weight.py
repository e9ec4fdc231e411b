"""A page's weight: the bytes a browser transfers on a first visit and on a repeat visit.

One accounting for ``nox -s bench`` (over real HTTP, with ``requests``) and the tests (Flask's test
client, :func:`client_fetch`): a caller supplies ``fetch(url, headers) -> Transfer`` and
:func:`page_weight` walks the page the way a browser accepting brotli and gzip does. A transfer counts
its status line, its header lines and its body as sent (compressed), as HTTP/1.1 puts them on the wire.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import brotli
from flask import Flask

# A browser's Accept-Encoding.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
# The targets for a first visit by brand (GOVUK_BRAND) and for a repeat visit, in bytes.
FIRST_VISIT_LIMITS = {"govuk": 100_000, "organisation": 40_000}
REPEAT_VISIT_LIMIT = 10_000


@dataclass(frozen=True)
class Transfer:
    """One response as received: status, header lines (repeated names included) and the body as sent."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        """The header's value, repeated lines joined by ", "; "" when absent."""
        return ", ".join(value for key, value in self.headers if key.lower() == name.lower())

    @property
    def wire(self) -> int:
        """Bytes on the wire: status line, header lines, the blank line and the body."""
        head = f"HTTP/1.1 {self.status} {self.reason}\r\n\r\n"
        return len(head) + sum(len(f"{name}: {value}\r\n") for name, value in self.headers) + len(self.body)

    def decoded(self) -> bytes:
        return decoded(self.body, self.header("Content-Encoding"))


def decoded(body: bytes, encoding: str | None) -> bytes:
    """``body`` as sent with ``Content-Encoding: encoding`` (brotli, gzip, or none), decoded; any other refused."""
    if encoding == "br":
        return bytes(brotli.decompress(body))
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding:
        raise ValueError(f"not an encoding a browser is offered here: {encoding}")
    return body


Fetch = Callable[[str, Mapping[str, str]], Transfer]


@dataclass
class PageWeight:
    first_visit: int = 0
    first_visit_uncompressed: int = 0
    repeat_visit: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)  # each transfer of the first visit


def _cookies(transfer: Transfer) -> str:
    values = [value for name, value in transfer.headers if name.lower() == "set-cookie"]
    return "; ".join(value.split(";")[0].strip() for value in values)


def subresources(page_url: str, html: str) -> list[str]:
    """What a browser fetches for the page: stylesheets, scripts and module imports, images and one favicon.

    An ``<img loading="lazy">`` is not fetched until it nears the viewport, so it is left out, and so is
    ``<noscript>`` (a browser running scripts ignores it); what a script adds later is not seen.
    """
    html = re.sub(r"<noscript>.*?</noscript>", "", html, flags=re.DOTALL)
    found = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    found += re.findall(r'<script[^>]+src="([^"]+)"', html)
    found += re.findall(r'import [^"]+ from "([^"]+)"', html)
    found += (
        re.findall(r'<link rel="icon" sizes="any" href="([^"]+)"', html)
        or re.findall(r'<link rel="icon"[^>]* href="([^"]+)"', html)[:1]
    )  # a browser fetches one icon: the scalable one, else the first
    found += [src for tag, src in re.findall(r'(<img\b[^>]* src="([^"]+)"[^>]*>)', html) if 'loading="lazy"' not in tag]
    return [urljoin(page_url, url) for url in dict.fromkeys(found)]


def page_weight(fetch: Fetch, url: str) -> PageWeight:
    """The page at ``url``'s first visit (it and everything it needs) and repeat visit (what the cache cannot answer).

    Fonts count once each, as woff2 (every browser that runs govuk-frontend's JS prefers it); every
    image a stylesheet names counts, which overstates a page that shows only some of them.
    """
    accept = {"Accept-Encoding": ACCEPT_ENCODING}
    fetch(url, accept)  # a running service has served the page before: count it as its page cache sends it
    page = fetch(url, accept)
    if page.status != 200:
        raise AssertionError(f"{url} answered {page.status}")
    html = page.decoded()
    weight = PageWeight(page.wire, len(html), files=[_row(url, page)])
    queue, seen, cached = subresources(url, html.decode()), set(), {}
    while queue:
        asset = queue.pop(0)
        if asset in seen:
            continue
        seen.add(asset)
        transfer = fetch(asset, accept)
        if transfer.status != 200:
            raise AssertionError(f"{asset} answered {transfer.status}")
        body = transfer.decoded()
        weight.first_visit += transfer.wire
        weight.first_visit_uncompressed += len(body)
        weight.files.append(_row(asset, transfer))
        cached[asset] = transfer
        if transfer.header("Content-Type").startswith("text/css"):
            for ref in re.findall(r"url\(['\"]?([^)'\"]+)['\"]?\)", body.decode()):
                if not ref.endswith(".woff") and not ref.startswith("data:"):
                    queue.append(urljoin(asset, ref))
    # Repeat visit: the page again, with the first visit's cookies; assets only if not cached immutably.
    weight.repeat_visit = fetch(url, {**accept, "Cookie": _cookies(page)}).wire
    for asset, transfer in cached.items():
        if "immutable" not in transfer.header("Cache-Control"):
            weight.repeat_visit += fetch(asset, {**accept, "If-None-Match": transfer.header("ETag")}).wire
    return weight


def _row(url: str, transfer: Transfer) -> dict[str, Any]:
    return {"url": urlsplit(url).path, "bytes": transfer.wire, "encoding": transfer.header("Content-Encoding") or None}


def client_fetch(app: Flask) -> Fetch:
    """``fetch`` through ``app``'s test client, without a cookie jar (``page_weight`` sends cookies itself)."""
    client = app.test_client(use_cookies=False)

    def fetch(url: str, headers: Mapping[str, str]) -> Transfer:
        with client.get(url, headers=dict(headers)) as response:
            status, _, reason = response.status.partition(" ")
            return Transfer(int(status), reason, list(response.headers.items()), response.get_data())

    return fetch
