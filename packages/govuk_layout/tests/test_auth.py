"""Staff sign-in against a real OpenID Connect provider process (oidc-provider-mock)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Blueprint, Flask, session

from govuk_layout import ConfigError, GovukLayout
from govuk_layout.auth import SESSION_KEY, current_user, has_role, protect_blueprint, staff_required
from govuk_layout.sessions import BOOKKEEPING_KEYS
from govuk_layout.testing.oidc import (
    NON_STAFF,
    STAFF,
    choose_user,
    oidc_config,
    oidc_provider,
    query,
    sign_in,
    start_sign_in,
)
from govuk_layout.testing.processes import free_port
from govuk_layout.urls import safe_return_path


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oidc_provider(tmp_path_factory.mktemp("oidc")) as url:
        yield url


def add_staff_pages(app: Flask) -> Flask:
    @app.get("/staff/one")
    @staff_required
    def one() -> str:
        user = current_user()
        assert user is not None
        return f"hello {user.name}"

    bp = Blueprint("staff_area", __name__, url_prefix="/area")

    @bp.get("/")
    def area() -> str:
        return "area"

    app.register_blueprint(protect_blueprint(bp))
    return app


@pytest.fixture
def staff_app(make_app: Callable[..., Flask], issuer: str) -> Callable[..., Flask]:
    def factory(**config: Any) -> Flask:
        return add_staff_pages(make_app(**{**oidc_config(issuer), **config}))

    return factory


def session_of(client: Any) -> dict[str, Any]:
    """What the session holds besides the layout's own bookkeeping (its start time, Flask-Session's flag)."""
    with client.session_transaction() as data:
        return {key: value for key, value in data.items() if key not in BOOKKEEPING_KEYS}


def test_anonymous_user_is_sent_to_sign_in_and_back_to_the_page_they_asked_for(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    first = client.get("/staff/one?tab=2")
    assert first.status_code == 302
    assert first.location == "/sign-in?next=/staff/one?tab%3D2"
    assert first.headers["Cache-Control"] == "no-store"

    authorization_url = start_sign_in(client, first.location)
    params = query(authorization_url)
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url SHA-256
    assert params["state"] and params["nonce"]
    assert params["scope"].split() == ["openid", "profile", "email"]

    done = client.get(choose_user(authorization_url, STAFF["sub"]))
    assert done.status_code == 302
    assert done.location == "/staff/one?tab=2"
    page = client.get(done.location)
    assert page.status_code == 200
    assert page.text == "hello Sam Staff"
    assert client.get("/area/").text == "area"


def test_pkce_verifier_and_nonce_stay_on_the_server_until_the_callback(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    state = query(start_sign_in(client))["state"]
    pending = session_of(client)[f"_state_staff_{state}"]["data"]
    assert len(pending["code_verifier"]) >= 43
    assert pending["nonce"]


def test_session_is_a_new_one_after_sign_in(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    with client.session_transaction() as planted:
        planted["planted"] = "by someone else"
    sign_in(client)
    after = session_of(client)
    assert "planted" not in after
    assert not [key for key in after if key.startswith("_state_")]
    assert after[SESSION_KEY] == {"sub": STAFF["sub"], "name": "Sam Staff", "email": STAFF["email"], "staff": True}


def test_signed_in_staff_see_who_they_are_and_sign_out_in_the_service_navigation(
    staff_app: Callable[..., Flask],
) -> None:
    app = staff_app()

    @app.get("/page")
    def page() -> str:
        from flask import render_template_string

        return render_template_string('{% extends "govuk_layout/base.html" %}')

    client = app.test_client()
    assert "Sign out" not in client.get("/page").text
    sign_in(client)
    html = client.get("/page").text
    navigation = html[html.index("govuk-service-navigation__list") :]
    assert '<span class="govuk-service-navigation__text"' in navigation
    assert "Sam Staff" in navigation
    assert 'href="/sign-out"' in navigation


def test_user_without_the_role_gets_the_403_page(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    assert sign_in(client, NON_STAFF["sub"], "/staff/one").location == "/staff/one"
    refused = client.get("/staff/one")
    assert refused.status_code == 403
    assert "You do not have permission to view this page" in refused.text
    assert refused.headers["Cache-Control"] == "no-store"
    assert client.get("/area/").status_code == 403


def test_sign_out_clears_the_session_and_ends_the_provider_session(
    staff_app: Callable[..., Flask], issuer: str
) -> None:
    client = staff_app().test_client()
    sign_in(client)
    out = client.get("/sign-out")
    assert session_of(client) == {}
    assert out.status_code == 302
    assert out.location.startswith(f"{issuer}/oauth2/end_session?")
    params = query(out.location)
    assert params["post_logout_redirect_uri"] == "http://localhost/signed-out"
    assert params["client_id"] == "govuk-local"
    # The provider confirms, then sends the browser back to the signed-out page.
    confirm = requests.post(f"{issuer}/oauth2/end_session/confirm", data={"redirect_uri": out.location}, timeout=10)
    assert confirm.status_code in (200, 302)
    assert "You have signed out" in client.get("/signed-out").text
    assert client.get("/staff/one").location.startswith("/sign-in")


def test_sign_out_when_not_signed_in_goes_straight_to_the_signed_out_page(staff_app: Callable[..., Flask]) -> None:
    assert staff_app().test_client().get("/sign-out").location == "http://localhost/signed-out"


def test_mismatched_state_is_400_and_stores_nothing(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    callback = choose_user(start_sign_in(client), STAFF["sub"])
    state = query(callback)["state"]
    answer = client.get(callback.replace(f"state={state}", "state=not-the-one"))
    assert answer.status_code == 400
    assert "Sorry, there is a problem with your request" in answer.text
    assert SESSION_KEY not in session_of(client)
    assert client.get("/staff/one").status_code == 302


def test_replayed_callback_is_400(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    callback = choose_user(start_sign_in(client), STAFF["sub"])
    assert client.get(callback).status_code == 302
    assert client.get(callback).status_code == 400
    # Nor does it work in another browser that saw the URL.
    other = staff_app().test_client()
    assert other.get(callback).status_code == 400
    assert SESSION_KEY not in session_of(other)


def test_forged_code_is_400(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    callback = choose_user(start_sign_in(client), STAFF["sub"])
    code = query(callback)["code"]
    assert client.get(callback.replace(f"code={code}", "code=forged")).status_code == 400
    assert SESSION_KEY not in session_of(client)


def test_code_from_another_sign_in_fails_the_nonce_check(staff_app: Callable[..., Flask]) -> None:
    """A code injected into this browser's sign-in: its ID token carries another sign-in's nonce."""
    client = staff_app().test_client()
    mine = start_sign_in(client)
    injected = choose_user(start_sign_in(client), STAFF["sub"])
    callback = injected.replace(f"state={query(injected)['state']}", f"state={query(mine)['state']}")
    assert client.get(callback).status_code == 400
    assert SESSION_KEY not in session_of(client)


def test_callback_with_no_sign_in_started_is_400(staff_app: Callable[..., Flask]) -> None:
    assert staff_app().test_client().get("/sign-in/callback?code=x&state=y").status_code == 400
    assert staff_app().test_client().get("/sign-in/callback").status_code == 400


def test_provider_refusal_is_400(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    state = query(start_sign_in(client))["state"]
    assert client.get(f"/sign-in/callback?error=access_denied&state={state}").status_code == 400


def test_unreachable_provider_is_the_503_page(make_app: Callable[..., Flask]) -> None:
    app = add_staff_pages(make_app(**oidc_config(f"http://127.0.0.1:{free_port()}", GOVUK_OIDC_TIMEOUT=2)))
    client = app.test_client()
    answer = client.get("/sign-in?next=/staff/one")
    assert answer.status_code == 503
    assert "Sorry, the service is unavailable" in answer.text
    # Signing out still works, locally.
    assert client.get("/sign-out").location == "http://localhost/signed-out"


def test_provider_going_down_before_the_callback_is_the_503_page(
    staff_app: Callable[..., Flask], tmp_path: Path
) -> None:
    with oidc_provider(tmp_path) as short_lived:
        client = staff_app(GOVUK_OIDC_ISSUER=short_lived).test_client()
        callback = choose_user(start_sign_in(client), STAFF["sub"])
    answer = client.get(callback)
    assert answer.status_code == 503
    assert SESSION_KEY not in session_of(client)


def test_issuer_without_a_discovery_document_is_the_503_page(staff_app: Callable[..., Flask], issuer: str) -> None:
    assert staff_app(GOVUK_OIDC_ISSUER=f"{issuer}/no-such-tenant").test_client().get("/sign-in").status_code == 503


def test_staff_pages_are_404_when_sign_in_is_not_configured(make_app: Callable[..., Flask]) -> None:
    client = add_staff_pages(make_app()).test_client()
    assert client.get("/staff/one").status_code == 404
    assert client.get("/area/").status_code == 404
    assert client.get("/sign-in").status_code == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/staff?page=2", "/staff?page=2"),
        ("/", "/"),
        ("//evil.example/x", None),
        ("/\\evil.example", None),
        ("https://evil.example/", None),
        ("javascript:alert(1)", None),
        ("staff", None),
        ("/a\r\nLocation: x", None),
        ("/\tx", None),
        ("/a\\b", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_return_path(value: str | None, expected: str | None) -> None:  # sign-in's, the banner's and CSRF's
    assert safe_return_path(value) == expected


def test_unsafe_next_sends_the_user_to_the_service_start(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    assert sign_in(client, path="/sign-in?next=//evil.example/").location == "/"


@pytest.mark.parametrize(
    ("claims", "values", "expected"),
    [
        ({"groups": ["a", "b"]}, ["b"], True),
        ({"groups": ["a"]}, ["b"], False),
        ({"groups": "b"}, ["b"], True),
        ({"groups": [1, None]}, ["1"], False),
        ({}, ["b"], False),
        ({"groups": ["b"]}, [], False),
        ({"email": "Sam@Justice.gov.uk"}, ["@justice.gov.uk"], True),
        ({"email": "sam@notjustice.gov.uk.evil"}, ["@justice.gov.uk"], False),
    ],
)
def test_has_role(claims: dict[str, Any], values: list[str], expected: bool) -> None:
    claim = "email" if "email" in claims else "groups"
    assert has_role(claims, claim, values) is expected


def test_email_domain_grants_the_role(staff_app: Callable[..., Flask]) -> None:
    client = staff_app(GOVUK_OIDC_ROLE_CLAIM="email", GOVUK_OIDC_ROLE_VALUES=["@justice.gov.uk"]).test_client()
    sign_in(client, NON_STAFF["sub"])
    assert client.get("/staff/one").status_code == 200


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"GOVUK_OIDC_ISSUER": "http://idp.example"}, "https URL"),
        ({"GOVUK_OIDC_ISSUER": "https://idp.example/?x=1"}, "no query"),
        ({"GOVUK_OIDC_ISSUER": "https://idp.example", "GOVUK_OIDC_CLIENT_ID": "x"}, "needs GOVUK_OIDC_CLIENT_ID and"),
        ({"GOVUK_OIDC_CLIENT_ID": "x", "GOVUK_OIDC_CLIENT_SECRET": "y"}, "need GOVUK_OIDC_ISSUER"),
        ({"GOVUK_OIDC_SCOPES": ["email"]}, "must include openid"),
    ],
)
def test_bad_oidc_config_stops_the_app(config: dict[str, Any], message: str) -> None:
    app = Flask("bad")
    app.config.update(
        SECRET_KEY="test-secret-key-with-enough-length",
        GOVUK_SERVICE_NAME="x",
        GOVUK_CONTACT_EMAIL="a@b.gov.uk",
        **config,
    )
    with pytest.raises(ConfigError, match=message):
        GovukLayout(app)


def test_session_holds_no_tokens(staff_app: Callable[..., Flask]) -> None:
    client = staff_app().test_client()
    sign_in(client)
    assert set(session_of(client)) == {SESSION_KEY}
    app = staff_app()
    with app.test_request_context():
        session[SESSION_KEY] = {"sub": "s", "name": "n", "email": None, "staff": False}
        user = current_user()
        assert user is not None
        assert not user.staff
