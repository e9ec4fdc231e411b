"""Compress dynamic text responses for clients that accept it: brotli when offered, else gzip.

Static files never come here: WhiteNoise serves their build-time ``.br``/``.gz`` files.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable

import brotli
from flask import Response, request
from werkzeug.http import parse_accept_header, parse_set_header
from werkzeug.wrappers import Response as BaseResponse

from govuk_layout.responses import header_list

COMPRESSIBLE = frozenset({"text/html", "text/plain", "application/json", "application/problem+json"})
MIN_SIZE = 500  # below this the headers outweigh the saving
# Speed over the last few percent: on a 15 KB GOV.UK page brotli 2 gives 5.2 KB in about a fifth of
# quality 5's time (4.4 KB), and gzip 1 gives 5.4 KB in under half of level 6's (4.8 KB). See docs/performance.md.
BROTLI_QUALITY = 2
GZIP_LEVEL = 1
# Attributes kept on a response, read through its __dict__ (a missing one costs getattr an exception): the
# gzip offer_gzip made ready (an _Offer), and the Vary entry add_vary wrote (its index in the header list, and it).
_READY_GZIP = "_govuk_ready_gzip"
_VARY_ENTRY = "_govuk_vary"


@functools.lru_cache(maxsize=64)  # keyed by the client's header: bounded; browsers send a handful of them
def _qualities(accept_encoding: str) -> tuple[float, float]:
    offered = parse_accept_header(accept_encoding)
    return offered.quality("br"), offered.quality("gzip")


def accepted() -> tuple[float, float]:
    """The request's Accept-Encoding qualities for brotli and gzip, worked out once per distinct header."""
    return _qualities(request.environ.get("HTTP_ACCEPT_ENCODING", ""))


def choose_encoding() -> str | None:
    """``br`` or ``gzip``, whichever the request's Accept-Encoding prefers (brotli on a tie), or None."""
    brotli_q, gzip_q = accepted()
    if brotli_q > 0 and brotli_q >= gzip_q:
        return "br"
    return "gzip" if gzip_q > 0 else None


@functools.lru_cache(maxsize=64)
def _vary_with(current: str, names: tuple[str, ...]) -> str | None:
    # Vary values come from code, not from requests, so a few distinct ones cover every response.
    values = parse_set_header(current)
    if all(name in values for name in names):
        return None  # nothing to add: Werkzeug leaves the header as it was written
    values.update(names)
    return values.to_header()


def add_vary(response: BaseResponse, *names: str) -> None:
    """Add ``names`` to the response's Vary header, as ``response.vary.update(names)`` would.

    That parses and re-serialises the header on every response (and a missing header costs Werkzeug an
    exception to say so); here each distinct (header, names) is worked out once. A response's hooks add
    to Vary three times: after the first, while the header is still the entry this wrote in Werkzeug's
    list, it is found there without a search through every header.
    """
    headers = response.headers
    listed = header_list(headers)
    ours: tuple[int, tuple[str, str]] | None = response.__dict__.get(_VARY_ENTRY)
    if ours is not None and listed is not None:
        index, entry = ours
        if index < len(listed) and listed[index] is entry:  # not replaced, removed or moved since
            joined = _vary_with(entry[1], names)
            if joined is not None:  # names from code, the value checked when it was first written
                listed[index] = entry = ("Vary", joined)
                response.__dict__[_VARY_ENTRY] = (index, entry)
            return
    values = headers.getlist("Vary")
    joined = _vary_with(values[0] if values else "", names)
    if joined is None:
        return
    if values:
        headers["Vary"] = joined
        return
    headers.add("Vary", joined)  # the usual first call: appended, as setting would, without a second search
    if listed and listed[-1][0] == "Vary":
        response.__dict__[_VARY_ENTRY] = (len(listed) - 1, listed[-1])


class _Offer:
    """A response's body ready as gzip: the body (Werkzeug's list) it was made for, what makes the gzip, and the
    response's headers then when they were only a page's own (its type, then its length), else None."""

    __slots__ = ("body", "headers", "make")

    def __init__(self, body: object, make: Callable[[], bytes], headers: tuple[tuple[str, str], ...] | None) -> None:
        self.body, self.make, self.headers = body, make, headers

    def __reduce__(self) -> tuple[Callable[[], None], tuple[()]]:
        # A response kept pickled (Flask-Caching) is compressed as any other when it is sent again.
        return type(None), ()


# The Content-Type Werkzeug gives a text/html response.
_HTML = ("Content-Type", "text/html; charset=utf-8")
_VARY_ENCODING = ("Vary", "Accept-Encoding")
_GZIP = ("Content-Encoding", "gzip")


def offer_gzip(response: BaseResponse, make: Callable[[], bytes]) -> None:
    """Let ``response`` go out as ``make()`` when the compression hook would send it as gzip, its body unchanged.

    For a body whose gzip is cheaper to make than to compress (a page from the page cache). A response
    whose body is set again afterwards (a view that changed the page) is compressed as any other.
    """
    listed = header_list(response.headers)
    headers = None
    if listed is not None and len(listed) == 2 and listed[0] == _HTML and listed[1][0] == "Content-Length":
        headers = tuple(listed)
    response.__dict__[_READY_GZIP] = _Offer(response.response, make, headers)


def _usable_offer(response: Response) -> _Offer | None:
    """The gzip offered for ``response``, if it may still go out: its body unchanged (set_data makes a new list),
    a 200, and gzip accepted (even where brotli is preferred: this gzip is cheaper than any compression)."""
    offer: _Offer | None = response.__dict__.get(_READY_GZIP)
    if offer is not None and offer.body is response.response and response.status_code == 200 and accepted()[1] > 0:
        return offer
    return None


def _sent_as_offered(response: Response, offer: _Offer) -> bool:
    """Send the offered gzip if the response's headers are as they were offered; whether it did.

    Then the general path below would add ``Vary: Accept-Encoding``, set the body and its length and add
    ``Content-Encoding``: here the header list is written as that leaves it, without Werkzeug's lookups of
    each header (a third of a cached page's compression). Anything changed since goes the general way.
    """
    listed = header_list(response.headers)
    if offer.headers is None or response.direct_passthrough or listed is None or tuple(listed) != offer.headers:
        return False
    body = offer.make()
    response.response = [body]
    listed[1:] = [("Content-Length", str(len(body))), _VARY_ENCODING, _GZIP]
    response.__dict__[_VARY_ENTRY] = (2, listed[2])  # add_vary's own entry, as if it had written it
    return True


def _encoded(response: Response, body: bytes, encoding: str) -> Response:
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    etags = response.headers.getlist("ETag")  # not get: a missing header costs an exception
    if etags and etags[0].startswith('"'):
        response.headers["ETag"] = "W/" + etags[0]  # the bytes differ from the uncompressed ones
    return response


def compress_response(response: Response) -> Response:
    """An ``after_request`` hook. Skips streams, files, partial and empty responses, and anything already encoded."""
    offer = _usable_offer(response)
    if offer is not None and _sent_as_offered(response, offer):
        return response
    mimetype = response.mimetype
    if (
        mimetype not in COMPRESSIBLE
        or response.direct_passthrough
        or response.is_streamed
        or response.status_code in (204, 206, 304)
        or response.headers.getlist("Content-Encoding")  # not `in`: a missing header costs an exception
    ):
        return response
    add_vary(response, "Accept-Encoding")
    if offer is not None and mimetype == "text/html":
        return _encoded(response, offer.make(), "gzip")
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    encoding = choose_encoding()  # parsing Accept-Encoding only when there is something to compress
    if encoding is None:
        return response
    if encoding == "br":
        body = brotli.compress(data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
    else:
        body = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    return _encoded(response, body, encoding)
