"""Staff sign-in over OpenID Connect, on when ``GOVUK_OIDC_ISSUER`` is set (the ``auth`` extra).

The protocol is Authlib's Flask client: authorization code with PKCE (S256), ``state`` and
``nonce`` kept in the session until the callback, and the ID token checked against the
issuer's JWKS, issuer, audience, expiry and nonce. This module only maps the outcomes to
GOV.UK pages: the provider down is a 503, a callback that does not match a sign-in this
browser started (replayed, forged, wrong ``state``) is a 400 and changes nothing, and a
signed-in user without the staff role gets the 403 page.

Services guard pages with :func:`staff_required` (one view) or :func:`protect_blueprint`
(every view of a blueprint) and read the signed-in person with :func:`current_user`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse  # what flask.redirect returns

from govuk_layout.config import ConfigError, LayoutSettings
from govuk_layout.sessions import rotate_session
from govuk_layout.urls import app_url, current_path, safe_return_path

EXTENSION_KEY = "govuk_layout_auth"
SESSION_KEY = "govuk_user"
_RETURN_KEY = "govuk_sign_in_next"
_CLIENT_NAME = "staff"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class User:
    """The signed-in person, as the session keeps them (no tokens, only what pages show and need)."""

    sub: str
    name: str
    email: str | None
    staff: bool


def current_user() -> User | None:
    """The signed-in person for this request, or None."""
    data = session.get(SESSION_KEY)
    return User(**data) if isinstance(data, dict) else None


def enabled(app: Flask | None = None) -> bool:
    """Whether staff sign-in is configured on ``app`` (the current app by default)."""
    return EXTENSION_KEY in (app or current_app).extensions


def has_role(claims: Mapping[str, Any], claim: str, values: list[str]) -> bool:
    """True when the ``claim`` (a string or a list of strings) holds any of ``values``.

    A value starting with ``@`` is an email domain: ``@justice.gov.uk`` matches ``a.b@justice.gov.uk``.
    """
    held = claims.get(claim)
    held_values = (
        [held] if isinstance(held, str) else [v for v in held if isinstance(v, str)] if isinstance(held, list) else []
    )
    for wanted in values:
        for value in held_values:
            if value == wanted or (wanted.startswith("@") and value.lower().endswith(wanted.lower())):
                return True
    return False


def _client() -> Any:
    return current_app.extensions[EXTENSION_KEY].staff


def _require_sign_in() -> BaseResponse | None:
    """Anonymous: off to sign in, coming back here. Signed in without the role: 403."""
    g.govuk_no_store = True  # whatever the answer, error pages included
    if not enabled():
        abort(404)  # staff pages do not exist until sign-in is configured
    user = current_user()
    if user is None:
        return redirect(url_for("govuk_auth.sign_in", next=current_path()))
    if not user.staff:
        abort(403)
    return None


def staff_required(view: F) -> F:
    """Guard one view: only signed-in staff see it (see :func:`protect_blueprint` for a whole blueprint)."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        return _require_sign_in() or view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def protect_blueprint(blueprint: Blueprint) -> Blueprint:
    """Guard every view of ``blueprint``; its responses are never cached."""
    blueprint.before_request(_require_sign_in)
    return blueprint


def _unavailable(error: Exception) -> None:
    current_app.logger.warning("identity provider unavailable: %s", error)
    abort(503)


def _rotate_session() -> None:
    """A new, empty session (at sign-in and sign-out), so an id planted or seen before is worth nothing after."""
    rotate_session()  # before clearing: Flask-Session only moves a session that holds something
    session.clear()


def create_blueprint() -> Blueprint:
    import requests
    from authlib.integrations.base_client.errors import OAuthError
    from joserfc.errors import JoseError

    bp = Blueprint("govuk_auth", __name__)
    bp.before_request(lambda: setattr(g, "govuk_no_store", True))
    unreachable = (requests.RequestException, ValueError)  # ValueError: a discovery or JWKS body that is not JSON

    @bp.get("/sign-in")
    def sign_in() -> Response:
        client = _client()
        session[_RETURN_KEY] = safe_return_path(request.args.get("next")) or app_url(
            current_app.config["GOVUK_SERVICE_URL"]
        )
        try:
            response: Response = client.authorize_redirect(url_for("govuk_auth.callback", _external=True))
        except unreachable as error:
            _unavailable(error)
        return response

    @bp.get("/sign-in/callback")
    def callback() -> BaseResponse:
        client = _client()
        issuer = current_app.config["GOVUK_OIDC_ISSUER"]
        try:
            token = client.authorize_access_token(
                claims_options={"iss": {"essential": True, "values": [issuer]}, "exp": {"essential": True}}
            )
        except unreachable as error:
            _unavailable(error)
        except (OAuthError, JoseError) as error:
            # A callback this browser did not start, one used already, a bad code, or a bad ID token.
            current_app.logger.warning("sign-in callback refused: %s", error)
            abort(400)
        claims = token.get("userinfo")
        if not claims:
            current_app.logger.warning("sign-in callback refused: no ID token")
            abort(400)
        config = current_app.config
        user = User(
            sub=str(claims["sub"]),
            name=str(claims.get("name") or claims.get("email") or claims.get("preferred_username") or claims["sub"]),
            email=claims.get("email") if isinstance(claims.get("email"), str) else None,
            staff=has_role(claims, config["GOVUK_OIDC_ROLE_CLAIM"], config["GOVUK_OIDC_ROLE_VALUES"]),
        )
        next_path = session.get(_RETURN_KEY) or app_url(config["GOVUK_SERVICE_URL"])
        _rotate_session()
        session[SESSION_KEY] = asdict(user)
        current_app.logger.info("signed in", extra={"sub": user.sub, "staff": user.staff})
        return redirect(next_path)

    @bp.get("/sign-out")
    def sign_out() -> BaseResponse:
        # A link, as GOV.UK's header pattern has it; signing someone out is all a forged one could do.
        was_signed_in = current_user() is not None
        _rotate_session()
        signed_out = url_for("govuk_auth.signed_out", _external=True)
        try:
            end_session = _client().load_server_metadata().get("end_session_endpoint")
        except unreachable:
            end_session = None  # signed out here; the provider's own session ends when it expires
        if not (was_signed_in and end_session):
            return redirect(signed_out)
        client_id = current_app.config["GOVUK_OIDC_CLIENT_ID"]
        logout = _client().create_logout_url(post_logout_redirect_uri=signed_out, client_id=client_id)
        return redirect(logout["url"])

    @bp.get("/signed-out")
    def signed_out() -> str:
        return render_template("govuk_layout/pages/signed_out.html")

    return bp


class _AuthState:
    def __init__(self, oauth: Any) -> None:
        self.oauth = oauth
        self.staff = oauth.create_client(_CLIENT_NAME)


def init_app(app: Flask, settings: LayoutSettings) -> None:
    """Register the sign-in routes when ``GOVUK_OIDC_ISSUER`` is set; otherwise only the template context."""

    @app.context_processor
    def signed_in_user() -> dict[str, Any]:
        return {"govuk_user": current_user() if EXTENSION_KEY in app.extensions else None}

    # Pages about people's requests must not be kept by the browser or any cache in between: the session
    # store's after_request (sessions._no_store, on every app) sends no-store for g.govuk_no_store.
    if not settings.GOVUK_OIDC_ISSUER:
        return
    try:
        from authlib.integrations.flask_client import OAuth
    except ImportError:
        raise ConfigError("GOVUK_OIDC_ISSUER is set, so install govuk-layout[auth] (Authlib)") from None
    oauth = OAuth()
    oauth.init_app(app)
    oauth.register(
        _CLIENT_NAME,
        client_id=settings.GOVUK_OIDC_CLIENT_ID,
        client_secret=settings.GOVUK_OIDC_CLIENT_SECRET,
        server_metadata_url=f"{settings.GOVUK_OIDC_ISSUER}/.well-known/openid-configuration",
        client_kwargs={
            "scope": " ".join(settings.GOVUK_OIDC_SCOPES),
            "code_challenge_method": "S256",
            "default_timeout": settings.GOVUK_OIDC_TIMEOUT,
        },
    )
    app.extensions[EXTENSION_KEY] = _AuthState(oauth)
    app.register_blueprint(create_blueprint())
