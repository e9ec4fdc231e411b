"""CSRF protection for every state-changing request, and where its error page sends the user back to.

The token lives as long as the session (WTF_CSRF_TIME_LIMIT is None by
default), so a page left open is still accepted and going back with the
browser, which keeps what was typed, resubmits cleanly. A token only fails
when the session is gone or the request was forged.

A session that has no token yet gets :func:`session_token`, made from its id and
``SECRET_KEY``, rather than a random one: so a first visit's session, which holds
nothing else, need not be stored to check its form (:mod:`govuk_layout.sessions`).
Flask-WTF still makes, signs and checks the tokens; only the value it keeps in the
session is derived.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import int_to_bytes

from govuk_layout.encoding import urlsafe_b64
from govuk_layout.urls import current_path, safe_return_path

V = TypeVar("V")
# One CSRFProtect for every app (Flask's extension pattern), so a view can be exempted before its app exists.
_protect = CSRFProtect()


@functools.lru_cache(maxsize=16)
def _keyed(key: bytes, digest: str) -> Any:
    keyed = hmac.new(key, digestmod=digest)
    # The OpenSSL HMAC inside CPython's (3.11 to 3.13), whose copy, update and digest are one C call each where
    # hmac.HMAC wraps each in Python; a private attribute, so CPython's own object serves when it is not there.
    return getattr(keyed, "_hmac", None) or keyed


def mac(key: bytes, message: bytes, digest: str = "sha256") -> bytes:
    """``hmac.digest(key, message, digest)``, from an HMAC keyed once per key.

    ``hmac.digest`` lets go of the GIL for every message, however short; under gunicorn's threads a
    request then waits behind the others to get it back (see :mod:`govuk_layout.randomness`). A copy of
    an HMAC already keyed keeps it, and skips keying again.
    """
    keyed = _keyed(key, digest).copy()
    keyed.update(message)
    result: bytes = keyed.digest()
    return result


@functools.lru_cache(maxsize=16)
def derived_key(secret_key: str | bytes, purpose: str) -> bytes:
    """A key for one ``purpose``, derived from ``SECRET_KEY``: a value made for one use means nothing in another."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.digest(secret, f"govuk-layout {purpose}".encode(), "sha256")


def session_token(secret_key: str | bytes, sid: str) -> str:
    """The raw CSRF token of session ``sid``: the same on every request, unknowable without ``SECRET_KEY``.

    40 hex digits, the shape of Flask-WTF's own random token, so a signed token's length is fixed (a longer
    one is sometimes zlib-compressed by itsdangerous, so pages would differ in length from visitor to visitor).
    """
    return mac(derived_key(secret_key, "csrf token"), sid.encode())[:20].hex()


def csrf_exempt(view: V) -> V:
    """Leave a view (or a blueprint) out of CSRF protection: for a machine-to-machine endpoint, never a form."""
    _protect.exempt(view)
    return view


# Flask-WTF's salt for its tokens: a token signed here is one its validate_csrf accepts.
_SALT = "wtf-csrf-token"


def field_name(config: Mapping[str, Any]) -> str:
    """The form field, and the session and ``g`` key, Flask-WTF keeps the token under (``WTF_CSRF_FIELD_NAME``)."""
    return str(config.get("WTF_CSRF_FIELD_NAME") or "csrf_token")


def _signer(secret_key: str | bytes) -> TimestampSigner:
    """Flask-WTF's signer: its serializer's TimestampSigner, with Flask-WTF's salt."""
    return cast(TimestampSigner, URLSafeTimedSerializer(secret_key, salt=_SALT).make_signer())


@functools.lru_cache(maxsize=4)
def _signing(secret_key: str | bytes) -> tuple[TimestampSigner, bytes, str]:
    # The signer derives its key again for every signature; here it is derived once per key.
    signer = _signer(secret_key)
    return signer, signer.derive_key(), signer.digest_method().name


def sign(secret_key: str | bytes, payload: bytes) -> str:
    """What ``_signer(secret_key).sign(payload)`` gives (the payload, its time and their HMAC), the key made once."""
    signer, key, digest = _signing(secret_key)
    value = payload + signer.sep + urlsafe_b64(int_to_bytes(signer.get_timestamp()))
    return (value + signer.sep + urlsafe_b64(mac(key, value, digest))).decode()


def token() -> str:
    """This request's signed CSRF token: Flask-WTF's ``generate_csrf()``, for the same session and config.

    Flask-WTF makes a serializer for every token and tries zlib on its 40-character payload, which never
    pays; when the session already holds the raw token, this signs it with one signer per key (Flask-WTF's
    own: ``WTF_CSRF_SECRET_KEY``, else ``SECRET_KEY``) and no compression (the uncompressed form is one
    Flask-WTF's ``validate_csrf`` reads). The token is kept in ``g``, where Flask-WTF's forms find it.
    Without a raw token yet, it is Flask-WTF's own.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # each proxy looked up once
    config = app.config
    field = field_name(config)
    state = g._get_current_object()
    found = state.get(field)
    if found is not None:
        return str(found)
    raw = session._get_current_object().get(field)  # type: ignore[attr-defined]
    if not isinstance(raw, str):
        return str(generate_csrf())
    # What json.dumps gives for a str (Flask-WTF's serializer), without making a JSON encoder for it.
    payload = urlsafe_b64(encode_basestring_ascii(raw).encode())
    signed = sign(cast(str | bytes, config.get("WTF_CSRF_SECRET_KEY") or app.secret_key), payload)
    setattr(state, field, signed)
    return signed


def back_url() -> str:
    """The page the failed form was on: the same-site Referer, else the URL it was posted to."""
    fallback = current_path()
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return fallback
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_return_path(path) or fallback


def init_app(app: Flask) -> None:
    """Switch on Flask-WTF's CSRFProtect (``WTF_CSRF_ENABLED`` turns it off)."""
    _protect.init_app(app)
    hooks = app.before_request_funcs[None]
    protect = hooks[-1]
    if not protect.__qualname__.startswith("CSRFProtect."):  # not Flask-WTF's hook as we know it: leave it be
        return

    # Flask-WTF looks up the view's exemption before the method, through six proxy lookups, on every
    # request; a GET or HEAD, most requests, needs neither. Same name, so overlaps.py still finds it.
    @functools.wraps(protect)
    def csrf_protect() -> None:
        if request._get_current_object().method in app.config["WTF_CSRF_METHODS"]:  # type: ignore[attr-defined]
            protect()

    hooks[-1] = csrf_protect
