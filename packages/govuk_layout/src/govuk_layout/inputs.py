"""Request limits: bodies over the size limit get the 413 page, undecodable or control-character input the 400 page.

A chunked body has no Content-Length, so Werkzeug can only stop reading it at ``MAX_CONTENT_LENGTH``, and
it stops without an error: the form would be cut at the limit (then fail CSRF, or worse, be stored cut).
Such a body is read here first, up to one byte over the limit, and is the 413 page when it is larger.

State-changing requests must carry a browser's form (415 otherwise) with file parts only under the names
in ``GOVUK_FILE_FIELDS`` (400 otherwise), so a text field's value is always text.

Werkzeug keeps invalid percent-escapes as text and drops form values that are
not UTF-8, but raw non-UTF-8 bytes in a query string raise UnicodeDecodeError
(a 500). No one types NUL or other control characters into a form, so those
are refused before any view could store them.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

from flask import Flask, Request, abort, current_app, request
from werkzeug.datastructures import MultiDict

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What a browser sends from a form.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# C0 controls and DEL, except tab, line feed and carriage return, which a textarea can hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_control_characters(values: MultiDict[str, str]) -> bool:
    return any(_CONTROL.search(key) or _CONTROL.search(value) for key, value in values.items(multi=True))


def _check_form_body() -> None:
    """State-changing requests carry a form: anything else is a 415, a file part or a malformed Referer a 400."""
    if request.content_length and request.mimetype not in FORM_TYPES:
        # Flask-WTF would read a JSON body as form data: numbers, lists and objects where text belongs.
        abort(415, "Send the form as a browser does.")
    if not set(request.files).issubset(current_app.config["GOVUK_FILE_FIELDS"]):
        abort(400, "This form does not take a file there.")
    try:
        _ = urlsplit(request.referrer or "").port  # Flask-WTF's same-origin check would fail with a 500 on "host:x"
    except ValueError:
        abort(400, "The Referer header is not a valid URL.")


def _limit_streamed_body(current: Request) -> None:
    """A body without Content-Length (chunked, which gunicorn decodes) over the limit is a 413, not a cut form."""
    environ = current.environ
    if "HTTP_TRANSFER_ENCODING" not in environ:
        return  # the usual request, checked first because it is the cheapest test
    limit = current.max_content_length
    if limit is None or current.content_length is not None:
        return  # Werkzeug refuses a declared length over the limit itself
    if not environ.get("wsgi.input_terminated"):
        return  # the server does not say where the body ends, so Werkzeug reads none of it
    body = bytearray()  # held in memory: at most the limit and one byte
    while len(body) <= limit:  # a WSGI stream may return less than asked for
        chunk = environ["wsgi.input"].read(limit + 1 - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(body)


def _check_query_string(current: Request) -> None:
    query = current.query_string
    if not query:
        return
    try:
        text = query.decode()
    except UnicodeDecodeError:
        current.query_string = b""  # the 400 page reads it too (the cookie banner's return path)
        abort(400, "The query string is not valid UTF-8.")
    # Decoding only turns %XX into characters (and + into spaces), so without a % the raw text shows them all.
    if (b"%" in query or _CONTROL.search(text)) and _has_control_characters(current.args):
        abort(400, "The query string contains control characters.")


def check_input() -> None:
    """Refuse a request whose body is over the limit, or whose query string or form cannot be read as clean text."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup, not three
    _limit_streamed_body(current)
    state_changing = current.method in STATE_CHANGING
    if state_changing:
        _check_form_body()
    _check_query_string(current)
    if state_changing and _has_control_characters(current.form):
        abort(400, "The form contains control characters.")


def init_app(app: Flask) -> None:
    """Apply ``GOVUK_MAX_CONTENT_LENGTH`` (unless the app set MAX_CONTENT_LENGTH) and check every request's input."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config["GOVUK_MAX_CONTENT_LENGTH"]
    app.before_request(check_input)
