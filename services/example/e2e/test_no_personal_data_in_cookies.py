"""No personal data in any cookie: at every step of a whole journey, each cookie the browser holds is decoded and
searched for the answers typed.

The instance runs with ``GOVUK_SECURE_COOKIES=true``, as production does. The suite serves plain http, but on
127.0.0.1, which Chromium counts as a secure origin: it keeps a ``Secure`` ``__Host-`` cookie there and sends it
back, so the session cookie's name and flags are the ones production gives it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import zlib
from collections.abc import Callable
from urllib.parse import unquote_plus

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from journey import ENGLISH_ANSWERS, QUESTIONS, START_DATE, answer, reference_on
from playwright.sync_api import Cookie, Page, expect

from govuk_layout.testing.processes import ServerProcess

SESSION_COOKIE = "__Host-session"
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 random bytes, URL-safe base64
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{4,}={0,2}")
# Everything typed or chosen in the journey, and the parts someone could recognise a person by.
TYPED = [text for _, text in ENGLISH_ANSWERS.values() if text] + [
    "Lovelace",
    "ada.lovelace",
    "moj-analytical-services",
    "data pipelines",
    START_DATE.isoformat(),
    f"{START_DATE.day} {START_DATE:%B %Y}",
]


@pytest.fixture(scope="module")
def secure_cookies(serve: Callable[..., ServerProcess]) -> ServerProcess:
    """An instance whose session cookie is Secure, and so __Host- prefixed, as in production."""
    return serve(
        "secure-cookies", create_table=False, GOVUK_SECURE_COOKIES="true", RATELIMIT_DEFAULT="100000 per minute"
    )


def _base64(text: str) -> bytes | None:
    if not _BASE64.fullmatch(text):
        return None
    bare = text.translate(str.maketrans("+/", "-_")).rstrip("=")
    try:
        return base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except (binascii.Error, ValueError):
        return None


def _inflated(data: bytes) -> bytes | None:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return None


def decodings(value: str) -> set[str]:
    """The value and everything it could carry: URL-decoded, base64 (itsdangerous's ``payload.time.signature``
    parts too, zlib-compressed or not), and JSON, each as text, as deep as they nest."""
    found: set[str] = set()
    pending = [value]
    while pending:
        text = pending.pop()
        if text in found:
            continue
        found.add(text)
        pending.append(unquote_plus(text))
        for part in {text, *text.split(".")}:
            raw = _base64(part)
            for data in (raw, _inflated(raw) if raw else None):
                if data:
                    pending.append(data.decode("utf-8", "replace"))
        with contextlib.suppress(ValueError):
            pending.append(json.dumps(json.loads(text), ensure_ascii=False))
    return found


def test_decodings_find_an_answer_however_a_cookie_wraps_it() -> None:
    # Flask's own signed cookie session, which the pentest decoded, compressed and not.
    app = Flask(__name__)
    app.secret_key = "a secret key for this test only"
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    for answers in ({"full_name": "Ada Lovelace"}, {"full_name": "Ada Lovelace", "reason": "x" * 400}):
        signed = serializer.dumps(answers)
        assert any("Ada Lovelace" in text for text in decodings(signed)), signed
    url_encoded_json = "%7B%22name%22%3A%20%22Ada%20Lovelace%22%7D"
    assert any("Ada Lovelace" in text for text in decodings(url_encoded_json))
    assert any("Ada Lovelace" in text for text in decodings(base64.b64encode(b'{"n":"Ada Lovelace"}').decode()))


def _assert_no_answer_in(cookies: list[Cookie], step: str) -> None:
    for cookie in cookies:
        texts = decodings(f"{cookie['name']}={cookie['value']}") | decodings(cookie["value"])
        for typed in TYPED:
            leaks = [text for text in texts if typed.lower() in text.lower()]
            assert not leaks, f"{step}: cookie {cookie['name']} carries {typed!r}: {leaks[0]!r}"


def _session_cookie(cookies: list[Cookie]) -> Cookie:
    (session,) = [cookie for cookie in cookies if cookie["name"] == SESSION_COOKIE]
    assert SESSION_ID.fullmatch(session["value"]), session["value"]
    # __Host-: Secure, Path=/ and no Domain (a host-only cookie), so no subdomain can set or read it.
    assert (session["secure"], session["httpOnly"], session["sameSite"]) == (True, True, "Lax"), session
    assert (session["path"], session["domain"]) == ("/", "127.0.0.1"), session
    assert session["expires"] == -1, "the cookie ends with the browser; the data behind it with the idle timeout"
    return session


def test_no_cookie_holds_an_answer_at_any_step_of_a_whole_journey(
    new_page: Callable[..., Page], secure_cookies: ServerProcess
) -> None:
    page = new_page(base_url=secure_cookies.url)
    set_cookies: list[str] = []
    page.on("response", lambda response: set_cookies.extend(response.header_values("set-cookie")))
    page.goto("/")
    # Hiding the cookie message sets the consent cookie, so it is searched as well.
    page.get_by_role("button", name="Hide cookie message").click()
    page.get_by_role("button", name="Start now").click()
    ids = []
    for slug, _, _, _ in QUESTIONS:
        answer(page, slug)
        page.get_by_role("button", name="Continue").click()
        cookies = page.context.cookies()
        _assert_no_answer_in(cookies, f"after {slug}")
        ids.append(_session_cookie(cookies)["value"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your request")
    for typed in ("Ada Lovelace", "I maintain the data pipelines."):
        expect(page.locator(".govuk-summary-list")).to_contain_text(typed)  # the answers are there, on the server
    assert len(set(ids)) == 1, "the id changes only when the journey starts and when it is sent"

    page.get_by_role("button", name="Accept and send").click()
    reference = reference_on(page)
    page.get_by_role("link", name="check the status of your request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Status of your request")

    cookies = page.context.cookies()
    assert len(cookies) >= 2, cookies  # the session's and the consent cookie, at least
    _assert_no_answer_in(cookies, "after sending")
    assert reference not in " ".join(text for cookie in cookies for text in decodings(cookie["value"]))
    assert _session_cookie(cookies)["value"] != ids[-1], "sending the request gives the session a new id"
    # What the server said, not only what the browser kept.
    assert set_cookies
    for header in set_cookies:
        name = header.split("=", 1)[0]
        assert not any(typed.lower() in text.lower() for text in decodings(header) for typed in TYPED), header
        if name == SESSION_COOKIE and not header.startswith(f"{SESSION_COOKIE}=;"):  # not a deletion
            flags = {flag.strip().lower() for flag in header.split(";")[1:]}
            assert {"secure", "httponly", "path=/", "samesite=lax"} <= flags, header
            assert not [flag for flag in flags if flag.startswith(("domain", "expires", "max-age"))], header
