"""Request limits: bodies over the size limit get the 413 page, undecodable or control-character input the 400 page.

Werkzeug keeps invalid percent-escapes as text and drops form values that are
not UTF-8, but raw non-UTF-8 bytes in a query string raise UnicodeDecodeError
(a 500). No one types NUL or other control characters into a form, so those
are refused before any view could store them.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict

# C0 controls and DEL, except tab, line feed and carriage return, which a textarea can hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_control_characters(values: MultiDict[str, str]) -> bool:
    return any(_CONTROL.search(key) or _CONTROL.search(value) for key, value in values.items(multi=True))


def check_input() -> None:
    """Refuse a request whose query string or form cannot be read as clean text."""
    try:
        request.query_string.decode()
    except UnicodeDecodeError:
        request.query_string = b""  # the 400 page reads it too (the cookie banner's return path)
        abort(400, "The query string is not valid UTF-8.")
    if _has_control_characters(request.args):
        abort(400, "The query string contains control characters.")
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and _has_control_characters(request.form):
        abort(400, "The form contains control characters.")


def init_app(app: Flask) -> None:
    """Apply ``GOVUK_MAX_CONTENT_LENGTH`` (unless the app set MAX_CONTENT_LENGTH) and check every request's input."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config["GOVUK_MAX_CONTENT_LENGTH"]
    app.before_request(check_input)
