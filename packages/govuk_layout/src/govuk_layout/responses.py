"""The app's response class: Werkzeug's, sending a response's own headers when Werkzeug's copy would be the same.

Before a response starts, Werkzeug's ``get_wsgi_headers`` copies every header, checking each value again
(about 10 µs for a page's 13 headers, some 2% of a page served from the page cache), and then changes the
copy only to: encode ``Location`` and ``Content-Location`` as URIs (and make ``Location`` absolute, if the
class asks), drop ``Content-Length`` for 1xx, 204 and 304 and the entity headers for 304, and add a missing
``Content-Length``. A response that needs none of those is sent with its headers as they are.
"""

from __future__ import annotations

from typing import Any

import flask
from werkzeug.datastructures import Headers

# The headers Werkzeug rewrites in its copy.
_REWRITTEN = frozenset({"location", "content-location"})


class HeadersAsSent:
    """A mixin for a Werkzeug response class: ``get_wsgi_headers`` without the copy when it would be identical."""

    headers: Headers
    status_code: int

    def get_wsgi_headers(self, environ: dict[str, Any]) -> Headers:
        status = self.status_code
        if status >= 200 and status not in (204, 304):
            has_length = False
            for name, _ in self.headers:
                lowered = name.lower()
                if lowered in _REWRITTEN:
                    break
                if lowered == "content-length":
                    has_length = True
            else:
                if has_length:
                    return self.headers
        headers: Headers = super().get_wsgi_headers(environ)  # type: ignore[misc]  # the class it is mixed into
        return headers


def header_list(headers: Headers) -> list[tuple[str, str]] | None:
    """Werkzeug's own list of ``(name, value)`` behind ``headers``, or None when this Werkzeug keeps none.

    Appending to it, or replacing an entry in it, skips Werkzeug's check of each value (a regular expression)
    and its search through every header: for values checked already or made by the package, on every page.
    The list is a private attribute: without it, callers take Werkzeug's checked way, and a test says so.
    """
    listed = getattr(headers, "_list", None)
    return listed if type(listed) is list else None


class Response(HeadersAsSent, flask.Response):
    """Flask's response class, sending its headers through :class:`HeadersAsSent`."""


def init_app(app: flask.Flask) -> None:
    """Give an app on Flask's own response class :class:`Response`; an app with a class of its own keeps it as it is.

    A module-level class rather than one made per app, so a response still pickles (Flask-Caching keeps views'
    responses that way). An app's own class can mix :class:`HeadersAsSent` in itself.
    """
    if app.response_class is flask.Response:
        app.response_class = Response
