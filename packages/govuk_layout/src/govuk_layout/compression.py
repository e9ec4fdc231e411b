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

COMPRESSIBLE = frozenset({"text/html", "text/plain", "application/json", "application/problem+json"})
MIN_SIZE = 500  # below this the headers outweigh the saving
# Speed over the last few percent: on a 15 KB GOV.UK page brotli 2 gives 5.2 KB in about a fifth of
# quality 5's time (4.4 KB), and gzip 1 gives 5.4 KB in under half of level 6's (4.8 KB). See docs/performance.md.
BROTLI_QUALITY = 2
GZIP_LEVEL = 1
# The attribute offer_gzip keeps (the body it was offered for, what makes its gzip) on a response.
_READY_GZIP = "_govuk_ready_gzip"


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
    """Add ``names`` to the response's Vary header, exactly as ``response.vary.update(names)`` would.

    That parses and re-serialises the header on every response (and a missing header costs Werkzeug an
    exception to say so); here each distinct (header, names) is worked out once.
    """
    headers = response.headers
    values = headers.getlist("Vary")
    joined = _vary_with(values[0] if values else "", names)
    if joined is None:
        return
    if values:
        headers["Vary"] = joined
    else:  # the usual first call: appended, as setting would, without a second search for one to replace
        headers.add("Vary", joined)


class _Offer:
    """A response's body ready as gzip: the body (Werkzeug's list) it was made for, and what makes the gzip."""

    __slots__ = ("body", "make")

    def __init__(self, body: object, make: Callable[[], bytes]) -> None:
        self.body, self.make = body, make

    def __reduce__(self) -> tuple[Callable[[], None], tuple[()]]:
        # A response kept pickled (Flask-Caching) is compressed as any other when it is sent again.
        return type(None), ()


def offer_gzip(response: BaseResponse, make: Callable[[], bytes]) -> None:
    """Let ``response`` go out as ``make()`` when the compression hook would send it as gzip, its body unchanged.

    For a body whose gzip is cheaper to make than to compress (a page from the page cache). A response
    whose body is set again afterwards (a view that changed the page) is compressed as any other.
    """
    setattr(response, _READY_GZIP, _Offer(response.response, make))


def _encoded(response: Response, body: bytes, encoding: str) -> Response:
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    etags = response.headers.getlist("ETag")  # not get: a missing header costs an exception
    if etags and etags[0].startswith('"'):
        response.headers["ETag"] = "W/" + etags[0]  # the bytes differ from the uncompressed ones
    return response


def compress_response(response: Response) -> Response:
    """An ``after_request`` hook. Skips streams, files, partial and empty responses, and anything already encoded."""
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
    offer: _Offer | None = getattr(response, _READY_GZIP, None)
    if (
        offer is not None
        and offer.body is response.response  # the body it was offered for: set_data makes a new list
        and response.status_code == 200
        and mimetype == "text/html"
        and accepted()[1] > 0  # gzip, even where brotli is preferred: this gzip is cheaper than any compression
    ):
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
