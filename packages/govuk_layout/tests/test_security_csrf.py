"""CSRF protection on every state-changing request, and the GOV.UK page a failed token gets."""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable

import pytest
from flask import Flask, g, request, session
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import TimestampSigner
from wtforms import ValidationError

from govuk_layout import csrf, csrf_exempt
from govuk_layout.testing import FormClient, csrf_token, form_client

HEADING = "Sorry, this page has timed out"


@pytest.fixture
def app(make_analytics_app: Callable[..., Flask]) -> Flask:
    """With analytics on, so the cookies page has its form (the one these tests post)."""
    return make_analytics_app()


def _choice(data: dict[str, str]) -> dict[str, str]:
    return {"analytics": "yes", "source": "page", **data}


@pytest.fixture
def posting_app(app: Flask) -> Flask:
    """The layout app plus state-changing routes of every method CSRFProtect guards."""

    @app.route("/things", methods=["POST", "PUT", "PATCH", "DELETE"])
    def things() -> str:
        return "changed"

    return app


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_state_changing_requests_without_a_token_get_the_govuk_400_page(posting_app: Flask, method: str) -> None:
    with posting_app.test_client().open("/things", method=method, data={"name": "Ada"}) as response:
        assert response.status_code == 400
        html = response.get_data(as_text=True)
    assert f"<title>{HEADING} – Apply for a thing – GOV.UK</title>" in html
    assert "govuk-footer" in html
    assert "changed" not in html
    assert "Traceback" not in html and "CSRF" not in html


def test_an_exempted_view_takes_posts_without_a_token_and_others_still_need_one(posting_app: Flask) -> None:
    @posting_app.post("/hook")
    @csrf_exempt
    def hook() -> str:
        return "received"

    client = posting_app.test_client()
    with client.post("/hook", data={"event": "sent"}) as response:
        assert (response.status_code, response.get_data(as_text=True)) == (200, "received")
    with client.post("/things", data={"name": "Ada"}) as response:
        assert response.status_code == 400


def test_forms_with_the_rendered_token_are_accepted(client: FormClient) -> None:
    token = client.csrf_token("/cookies")
    with client.post("/cookies", data=_choice({"csrf_token": token})) as response:
        assert response.status_code == 302
    assert client.get_cookie("cookies_policy").value == "analytics=yes"


def test_the_cookie_banner_form_works_with_csrf_on(client: FormClient) -> None:
    html = client.get("/privacy").get_data(as_text=True)
    banner = html[html.index('<input type="hidden" name="source" value="banner">') - 300 :]
    data = {"csrf_token": csrf_token(banner), "analytics": "no", "source": "banner", "next": "/privacy"}
    with client.post("/cookies", data=data) as response:
        assert response.status_code == 302
        assert response.headers["Location"] == "/privacy"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        "ImFiYyI.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb",
    ],
)
def test_a_bad_token_is_refused_and_nothing_is_saved(client: FormClient, token: str) -> None:
    client.csrf_token("/cookies")  # the session exists
    with client.post("/cookies", data=_choice({"csrf_token": token})) as response:
        assert response.status_code == 400
        assert HEADING in response.get_data(as_text=True)
    assert client.get_cookie("cookies_policy") is None


def test_a_token_from_another_session_is_refused(app: Flask) -> None:
    theirs = form_client(app).csrf_token("/cookies")
    mine = form_client(app)
    mine.csrf_token("/cookies")
    with mine.post("/cookies", data=_choice({"csrf_token": theirs})) as response:
        assert response.status_code == 400
        assert HEADING in response.get_data(as_text=True)


def test_a_token_whose_session_was_lost_is_refused(app: Flask, client: FormClient) -> None:
    token = client.csrf_token("/cookies")
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    with client.post("/cookies", data=_choice({"csrf_token": token})) as response:
        assert response.status_code == 400
        assert HEADING in response.get_data(as_text=True)


def test_an_expired_token_is_refused_when_a_time_limit_is_set(
    make_analytics_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_analytics_app(WTF_CSRF_TIME_LIMIT=600)
    client = form_client(app)
    real = TimestampSigner.get_timestamp
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda signer: real(signer) - 3600)
        stale = client.csrf_token("/cookies")  # issued an hour ago, in this same session
    with client.post("/cookies", data=_choice({"csrf_token": stale})) as response:
        assert response.status_code == 400
        assert HEADING in response.get_data(as_text=True)


def test_by_default_a_token_lasts_as_long_as_the_session(client: FormClient, monkeypatch: pytest.MonkeyPatch) -> None:
    real = TimestampSigner.get_timestamp
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda signer: real(signer) - 7 * 24 * 3600)
        token = client.csrf_token("/cookies")  # issued a week ago, in this same session
    with client.post("/cookies", data=_choice({"csrf_token": token})) as response:
        assert response.status_code == 302


def test_the_400_page_leads_back_to_the_form_on_this_site(client: FormClient) -> None:
    headers = {"Referer": "http://localhost/cookies?from=banner"}
    with client.post("/cookies", data=_choice({}), headers=headers) as response:
        html = response.get_data(as_text=True)
    assert 'href="/cookies?from=banner"' in html
    assert "Go back to the page" in html


@pytest.mark.parametrize("referrer", [None, "https://evil.example/phish", "http://localhost.evil.example/x", "junk"])
def test_the_back_link_never_leaves_the_site(client: FormClient, referrer: str | None) -> None:
    headers = {"Referer": referrer} if referrer else {}
    with client.post("/cookies?step=2", data=_choice({}), headers=headers) as response:
        html = response.get_data(as_text=True)
    back = re.search(r'id="govuk-layout-csrf-back" href="([^"]*)"', html)
    assert back is not None
    assert back.group(1) == "/cookies?step=2"


def test_going_back_and_sending_again_works_after_the_session_was_lost(app: Flask, client: FormClient) -> None:
    """The 400 page hands a fresh token to the page the browser goes back to (csrf_refresh.html)."""
    old = client.csrf_token("/cookies")
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    with client.post("/cookies", data=_choice({"csrf_token": old})) as refused:
        assert refused.status_code == 400
        fresh = re.search(r'data-csrf-token="([^"]+)"', refused.get_data(as_text=True))
    assert fresh is not None and fresh.group(1) != old
    # What the browser sends after the refresh script swapped the token into the restored form.
    with client.post("/cookies", data=_choice({"csrf_token": fresh.group(1)})) as response:
        assert response.status_code == 302


def test_every_page_swaps_in_a_fresh_token_after_going_back(client: FormClient) -> None:
    html = client.get("/privacy").get_data(as_text=True)
    assert 'window.addEventListener("pageshow"' in html
    assert "govuk_layout.csrf_token" in html


def test_csrf_can_be_switched_off(make_analytics_app: Callable[..., Flask]) -> None:
    app = make_analytics_app(WTF_CSRF_ENABLED=False)
    client = form_client(app)
    with client.post("/cookies", data=_choice({})) as response:
        assert response.status_code == 302
    assert "govuk_layout.csrf_token" not in client.get("/privacy").get_data(as_text=True)


def test_over_https_a_foreign_referrer_is_refused(client: FormClient) -> None:
    token = client.csrf_token("/cookies")
    with client.post(
        "/cookies",
        data=_choice({"csrf_token": token}),
        base_url="https://localhost",
        headers={"Referer": "https://evil.example/"},
    ) as response:
        assert response.status_code == 400
        assert HEADING in response.get_data(as_text=True)


def test_over_https_a_same_site_referrer_is_accepted(client: FormClient) -> None:
    with client.get("/cookies", base_url="https://localhost") as page:
        token = csrf_token(page.get_data(as_text=True))
    with client.post(
        "/cookies",
        data=_choice({"csrf_token": token}),
        base_url="https://localhost",
        headers={"Referer": "https://localhost/cookies"},
    ) as response:
        assert response.status_code == 302


def test_the_csrf_check_skips_safe_methods_before_any_exemption_lookup(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only WTF_CSRF_METHODS reach Flask-WTF's check; the others never could fail it."""
    app = make_app()
    checked: list[str] = []
    monkeypatch.setattr(csrf._protect, "_is_exempt", lambda: checked.append(request.method) or False)
    client = app.test_client()
    client.get("/cookies").close()
    client.head("/cookies").close()
    assert checked == []
    with client.post("/cookies", data={}) as response:
        assert response.status_code == 400  # no token: still refused
    assert checked == ["POST"]


def test_the_cheap_token_is_one_flask_wtf_accepts_and_forms_reuse(app: Flask) -> None:
    with app.test_request_context("/"):
        session["csrf_token"] = "a" * 40  # the raw token a visitor's session already holds
        signed = csrf.token()
        validate_csrf(signed)  # raises when Flask-WTF would refuse it
        assert g.csrf_token == signed
        assert generate_csrf() == signed  # a form rendered later in the request prints the same token
        assert csrf.token() == signed
    with app.test_request_context("/"):
        session["csrf_token"] = "b" * 40  # another session: the first one's token is refused
        with pytest.raises(ValidationError, match="do not match"):
            validate_csrf(signed)


def test_the_cheap_token_follows_flask_wtfs_own_field_name_and_secret(app: Flask) -> None:
    app.config.update(WTF_CSRF_FIELD_NAME="form_token", WTF_CSRF_SECRET_KEY="another secret")
    with app.test_request_context("/"):
        session["form_token"] = "a" * 40
        signed = csrf.token()
        assert g.form_token == signed and generate_csrf() == signed
        validate_csrf(signed)  # signed with WTF_CSRF_SECRET_KEY, as Flask-WTF checks it
        app.config["WTF_CSRF_SECRET_KEY"] = "not the signing secret"
        with pytest.raises(ValidationError, match="invalid"):
            validate_csrf(signed)


@pytest.mark.parametrize("secret", ["a str secret", b"a bytes secret"])
def test_signing_with_the_key_made_once_gives_itsdangerous_own_signature(secret: str | bytes) -> None:
    payload = b"ImFiYyI"
    while True:  # the same second for both, as the signature carries the time
        second = int(time.time())
        ours, theirs = csrf.sign(secret, payload), csrf._signer(secret).sign(payload).decode()
        if int(time.time()) == second:
            break
    assert ours == theirs
    assert csrf._signer(secret).unsign(ours) == payload


def test_without_a_raw_token_the_token_is_flask_wtfs_own(app: Flask) -> None:
    with app.test_request_context("/"):
        signed = csrf.token()
        assert isinstance(session.get("csrf_token"), str)  # made by Flask-WTF, kept for the post
        validate_csrf(signed)


def test_a_cached_page_for_a_returning_visitor_carries_a_token_its_post_passes(client: FormClient) -> None:
    client.get("/cookies")  # the session now holds a raw token
    page = client.get("/cookies").get_data(as_text=True)  # from the page cache, signed by csrf.token()
    token = csrf_token(page)
    with client.post("/cookies", data=_choice({"csrf_token": token})) as response:
        assert response.status_code in (302, 303)


@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("message", [b"", b"an id", b"x" * 5000])
@pytest.mark.parametrize("keeps_openssl_hmac", [True, False])
def test_mac_is_hmac_digest(
    monkeypatch: pytest.MonkeyPatch, digest: str, message: bytes, keeps_openssl_hmac: bool
) -> None:
    """The same with CPython's inner OpenSSL HMAC and, where a Python keeps none, with its own object."""
    if not keeps_openssl_hmac:  # hmac.HMAC's own Python HMAC, as on a Python whose HMAC keeps no OpenSSL object
        monkeypatch.setattr(hmac, "_hashopenssl", None, raising=False)
    csrf._keyed.cache_clear()
    try:
        for key in (b"k", b"\x00" * 64, b"a longer key than any block, " * 8):
            assert isinstance(csrf._keyed(key, digest), hmac.HMAC) is not keeps_openssl_hmac
            assert csrf.mac(key, message, digest) == hmac.digest(key, message, digest)
            assert csrf.mac(key, message, digest) == hmac.digest(key, message, digest)  # the keyed HMAC kept intact
    finally:
        csrf._keyed.cache_clear()


def test_this_python_keeps_the_openssl_hmac_that_mac_copies() -> None:
    """A CPython without it makes every HMAC through layers of Python again (about 12,000 instructions a first
    visit): this says so."""
    assert not isinstance(csrf._keyed(b"canary", "sha256"), hmac.HMAC)
