"""The validated configuration schema shared by every app that uses govuk-layout.

Field names are the Flask config keys. Values come from ``app.config`` first,
then from environment variables of the same name, then from the defaults here.
A service adds its own keys by subclassing :class:`LayoutSettings`.
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from flask import Flask
from limits import parse_many
from pydantic import BaseModel, EmailStr, Field, TypeAdapter, ValidationError, field_validator, model_validator
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from govuk_layout.health import BLUEPRINT_NAME as HEALTH_BLUEPRINT
from govuk_layout.i18n import N_

DEFAULT_BASE_TEMPLATE = "govuk_layout/base.html"
# Same-origin everything; scripts also need this request's nonce (added by security.py).
DEFAULT_CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Powerful features a form-based service never uses.
DEFAULT_PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "browsing-topics": "()",
    "camera": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}
_POLICY_NAME = re.compile(r"[a-z]+(-[a-z]+)*")
_POLICY_UNSAFE = re.compile(r"[;,\x00-\x1f\x7f]")
_STORAGE_SCHEMES = ("memory", "redis", "rediss", "redis+sentinel", "redis+cluster")
# GOV.UK's header, crown, crest and GDS Transport are for services on GOV.UK only.
GOVUK_SERVICE_DOMAIN = ".service.gov.uk"
Brand = Literal["govuk", "organisation"]


def brand_for(service_url: str) -> Brand:
    """``govuk`` for a service at ``https://<name>.service.gov.uk``, else ``organisation`` (a path counts as else)."""
    host = (urlsplit(service_url).hostname or "").rstrip(".")
    return "govuk" if host.endswith(GOVUK_SERVICE_DOMAIN) else "organisation"


class ConfigError(RuntimeError):
    """Raised at start-up when configuration is missing or invalid."""


class NavigationItem(BaseModel):
    """One link in the service navigation."""

    text: str = Field(min_length=1)
    href: str = Field(min_length=1)


class FooterLink(BaseModel):
    """One of the service's own footer links: an ``href``, or the ``endpoint`` that ``url_for`` turns into one."""

    text: str = Field(min_length=1)
    href: str | None = Field(None, min_length=1)
    endpoint: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_target(self) -> FooterLink:
        if (self.href is None) == (self.endpoint is None):
            raise ValueError("each link needs an href or an endpoint, not both")
        _check_link(self.href)
        return self


def _check_link(value: str | None) -> str | None:
    if value is None or value.startswith(("https://", "http://", "mailto:", "/")):
        return value
    raise ValueError("must start with https://, http://, mailto: or /")


UNKNOWN = object()  # a value that did not validate


@dataclass(frozen=True)
class NotJSON:
    """An environment variable that should hold JSON but does not; validation then names the key."""

    reason: str


class _EnvironmentSource(EnvSettingsSource):
    """The environment, where a list or a dict that is not JSON becomes a config problem rather than a crash."""

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError as error:
            return NotJSON(str(error))


SERVICE = "Service and pages"
ASSETS = "Assets"
SECURITY = "Security"
OPERABILITY = "Operability"
STAFF_SIGN_IN = "Staff sign-in"
SESSIONS = "Sessions and the timeout warning"


def setting(
    default: Any, description: str, *, section: str, shown_default: str | None = None, **constraints: Any
) -> Any:
    """A config key's default, constraints and its one description, which the README's table is generated from.

    ``shown_default`` words a default the table cannot show as a value (one worked out at start-up, or a long one).
    """
    extra: JsonDict = {"section": section, **({"shown_default": shown_default} if shown_default else {})}
    return Field(default, description=description, json_schema_extra=extra, **constraints)


class LayoutSettings(BaseSettings):
    """Keys that govuk-layout's templates, pages and assets need."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    GOVUK_SERVICE_NAME: str = setting(
        ...,
        "The service's name: in the service navigation, every page title and the standard pages. "
        "At most 80 characters.",
        section=SERVICE,
        min_length=1,
        max_length=80,
    )
    GOVUK_CONTACT_EMAIL: EmailStr = setting(
        ...,
        "The contact address on the accessibility statement, privacy notice and feedback link.",
        section=SERVICE,
    )
    GOVUK_SERVICE_URL: str = setting(
        "/",
        "Where the service name links to, and where the 404 page sends users. A path is the app's own: under a "
        "path prefix (`X-Forwarded-Prefix`, see `GOVUK_PROXY_FIX_HOPS`) links get the prefix, as every path in "
        "these keys does.",
        section=SERVICE,
    )
    GOVUK_PHASE: Literal["alpha", "beta", "live"] = setting(
        "beta", "`alpha`, `beta` or `live`. `live` hides the phase banner.", section=SERVICE
    )
    GOVUK_PHASE_BANNER_TEXT: str | None = setting(
        None,
        "The phase banner's sentence, as plain text; the words in square brackets become the feedback link "
        "(`This is a new service – your [feedback] will help us to improve it.`). Translated in the app's "
        "catalogue like the service name.",
        section=SERVICE,
        shown_default="GOV.UK's standard sentence",
        min_length=1,
    )
    GOVUK_FEEDBACK_URL: str | None = setting(
        None,
        "The phase banner's feedback link (`https://`, `http://`, `mailto:` or a path).",
        section=SERVICE,
        shown_default="`mailto:` the contact email",
    )
    GOVUK_DEPARTMENT: str = setting(
        N_("Ministry of Justice"),
        "The organisation responsible for the service, named on the standard pages.",
        section=SERVICE,
        min_length=1,
    )
    GOVUK_BRAND: Brand = setting(
        "organisation",
        "`govuk` (GOV.UK's header, crown, crest and GDS Transport: only for a service on GOV.UK) or "
        "`organisation` (the MOJ Design System header with `GOVUK_DEPARTMENT` and `GOVUK_ORGANISATION_LOGO`, "
        "the Arial stack, no crown or crest, titles ending with `GOVUK_DEPARTMENT`). Unset or empty: `govuk` "
        "when `GOVUK_SERVICE_URL`'s host ends in `.service.gov.uk`, else `organisation`.",
        section=SERVICE,
        shown_default="from `GOVUK_SERVICE_URL`",
    )
    GOVUK_ORGANISATION_LOGO: str | None = setting(
        None,
        "The organisation brand's header logo: a path or `https://` URL of an image shown 40 pixels square on black.",
        section=SERVICE,
        shown_default="the Ministry of Justice crest",
    )
    GOVUK_NAVIGATION: list[NavigationItem] = setting(
        [],
        'Service navigation links, a list of `{"text": ..., "href": ...}` (JSON in an environment variable). '
        "The current page and its section are marked.",
        section=SERVICE,
    )
    GOVUK_FOOTER_LINKS: list[FooterLink] = setting(
        [],
        'Links added after the footer\'s Cookies, Accessibility statement and Privacy links: a list of `{"text": '
        '..., "href": ...}` or `{"text": ..., "endpoint": ...}` (a Flask endpoint such as `"contact"`), JSON in an '
        "environment variable. Their text is translated in the app's catalogue.",
        section=SERVICE,
    )
    GOVUK_BASE_TEMPLATE: str = setting(
        DEFAULT_BASE_TEMPLATE,
        "The layout every package page extends: form pages, the cookies, accessibility and privacy pages, error "
        "and session pages. Name your own layout (which extends `govuk_layout/base.html`) so its stylesheet, "
        "footer or blocks appear on those pages too.",
        section=SERVICE,
        min_length=1,
    )
    GOVUK_ENVIRONMENT: Literal["development", "production"] = setting(
        "production",
        "`development` or `production`. Development serves over plain http and generates a `SECRET_KEY`.",
        section=SERVICE,
    )
    GOVUK_COOKIE_CONSENT_NAME: str = setting(
        "cookies_policy",
        "The cookie that remembers the cookie choice: analytics yes or no, or, without analytics, that the "
        "cookie message was hidden (letters, digits, `_` and `-`).",
        section=SERVICE,
        pattern=r"^[A-Za-z0-9_\-]+$",
    )
    GOVUK_GOOGLE_ANALYTICS_ID: str | None = setting(
        None,
        "A Google Analytics 4 measurement id (`G-` and letters or digits). Set, the cookie banner and the cookies "
        "page ask about analytics cookies, pages load Google's tag only once someone accepts, and the CSP gains "
        "GA4's hosts (see Analytics below). Unset, no analytics: the banner and the cookies page tell of "
        "essential cookies only.",
        section=SERVICE,
        pattern=r"^G-[A-Z0-9]{4,20}$",
    )
    GOVUK_ACCESSIBILITY_REVIEWED: datetime.date | None = setting(
        None,
        "The date (ISO, `2026-01-31`) the accessibility statement was last reviewed. "
        "Until set, the statement says it has not been reviewed.",
        section=SERVICE,
    )
    GOVUK_DATA_RETENTION: str = setting(
        N_("We keep your information for as long as we need it to provide the service, and no longer."),
        'The "How long we keep it" paragraph of the privacy notice.',
        section=SERVICE,
        shown_default="a general sentence",
    )
    GOVUK_LANGUAGES: list[Literal["en", "cy"]] = setting(
        ["en"],
        'The languages pages are offered in, the first the default. `["en", "cy"]` adds Welsh and the '
        "language switcher; the choice is remembered for the session, and on a first visit `Accept-Language` "
        "decides. Text from other keys (service name, navigation, department, retention) is translated in the "
        "app's catalogue (see English and Welsh below).",
        section=SERVICE,
        min_length=1,
    )

    GOVUK_ASSETS_URL: str = setting(
        "/assets",
        "The URL path the govuk-frontend files are served from (fingerprinted, pre-compressed and cached for a "
        "year). Any path works, under a path prefix too: the stylesheets name their fonts and images relative "
        "to themselves.",
        section=ASSETS,
    )
    GOVUK_ASSETS_DIR: str | None = setting(
        None,
        "The folder holding the installed govuk-frontend files, for a build that installs them elsewhere.",
        section=ASSETS,
        shown_default="inside the package",
    )

    SECRET_KEY: str | bytes | None = setting(
        None,
        "Flask's signing key for sessions and CSRF tokens, text or bytes; at least 16 characters. In development, "
        "unset means a key generated once and kept in the app's instance folder, shared by every worker.",
        section=SECURITY,
        shown_default="required in production",
        repr=False,
        min_length=16,
    )
    GOVUK_SECURITY_HEADERS: bool = setting(
        True,
        "Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
        "Referrer-Policy, Permissions-Policy and Cross-Origin-Opener-Policy on every response: pages, error "
        "pages and static files. The app sets them itself because Cloud Platform's ingress refuses custom "
        "header annotations.",
        section=SECURITY,
    )
    GOVUK_CONTENT_SECURITY_POLICY: dict[str, str] = setting(
        DEFAULT_CONTENT_SECURITY_POLICY,
        "Directive to sources (a string, or a list of sources), JSON in an environment variable. Each request's "
        "nonce is added to `script-src` (templates read it as `cspNonce`), so `script-src` is required and may "
        "not allow `'unsafe-inline'` or `'unsafe-eval'`. The default also sets `frame-ancestors 'none'`, "
        "`object-src 'none'`, `base-uri 'self'` and `form-action 'self'`.",
        section=SECURITY,
        shown_default="same-origin only",
    )
    GOVUK_HSTS_MAX_AGE: int = setting(
        31_536_000,
        "Seconds for Strict-Transport-Security (with `includeSubDomains`), sent over https; `0` turns it off.",
        section=SECURITY,
        ge=0,
    )
    GOVUK_REFERRER_POLICY: str = setting(
        "strict-origin-when-cross-origin", "The Referrer-Policy header.", section=SECURITY, pattern=r"^[a-z\-]+$"
    )
    GOVUK_PERMISSIONS_POLICY: dict[str, str] = setting(
        DEFAULT_PERMISSIONS_POLICY,
        'Feature to allowlist (`{"camera": "()"}`): camera, microphone, geolocation, payment, USB, motion '
        "sensors and topics are all off.",
        section=SECURITY,
        shown_default="every feature off",
    )
    GOVUK_CROSS_ORIGIN_OPENER_POLICY: Literal["same-origin", "same-origin-allow-popups", "unsafe-none"] = setting(
        "same-origin", "The Cross-Origin-Opener-Policy header.", section=SECURITY
    )
    GOVUK_FORCE_HTTPS: bool = setting(
        False,
        "Redirect plain-http requests to https. Off because the ingress already redirects and the kubelet's "
        "probes arrive over http.",
        section=SECURITY,
    )
    GOVUK_PROXY_FIX_HOPS: int = setting(
        1,
        "How many proxies' `X-Forwarded-For`, `-Proto`, `-Host` and `-Prefix` to trust (the ingress is one). With "
        "`X-Forwarded-Prefix: /fish` the app runs under `/fish`: `url_for`, asset URLs, config paths and "
        "redirects get the prefix. Set `0` when nothing sits in front of the app, or clients could pick their "
        "own address.",
        section=SECURITY,
        ge=0,
        le=5,
    )
    GOVUK_SECURE_COOKIES: bool | None = setting(
        None,
        "The session cookie's `Secure` flag, and with it the `__Host-` prefix on its name. `HttpOnly` and "
        "`SameSite=Lax` are always set.",
        section=SECURITY,
        shown_default="on, except in development",
    )
    # Server-side sessions (sessions.py) and the timeout warning (components/timeout_warning.html).
    GOVUK_SESSION_STORE: Literal["redis", "filesystem", "memory"] | None = setting(
        None,
        "Where session data lives. Unset: Redis at `REDIS_URL` when set; otherwise memory under `TESTING`, a "
        "private folder in the system's temporary directory in development, and a refusal to start in production. "
        "`filesystem` and `memory` keep sessions for one machine or one process only.",
        section=SESSIONS,
        shown_default="see `REDIS_URL`",
    )
    GOVUK_SESSION_IDLE_TIMEOUT: int = setting(
        1200,
        "Seconds without a request after which the session's data is deleted (the store's time-to-live, renewed "
        "by every request). GOV.UK's pattern is 20 minutes.",
        section=SESSIONS,
        ge=5,
        le=86_400,
    )
    GOVUK_SESSION_MAX_LIFETIME: int = setting(
        28_800,
        "Seconds after the session's data was first stored when it is deleted however active the user is (the "
        "absolute lifetime). At least the idle timeout; rotating the id starts it again.",
        section=SESSIONS,
        ge=5,
        le=604_800,
    )
    GOVUK_TIMEOUT_WARNING: bool = setting(
        True,
        "The GOV.UK timeout warning, a modal dialog offering to continue, on pages that extend "
        "`govuk_layout/form_page.html` or set `timeout_warning`.",
        section=SESSIONS,
    )
    GOVUK_TIMEOUT_WARNING_SECONDS: int = setting(
        120,
        "How many seconds before the idle timeout the warning appears; less than the idle timeout.",
        section=SESSIONS,
        ge=1,
    )
    # Flask-WTF's own keys.
    WTF_CSRF_ENABLED: bool = setting(
        True,
        "A CSRF token on every POST, PUT, PATCH and DELETE (Flask-WTF). Forms render it with `csrf_token()`. "
        'A missing or stale token gets a GOV.UK "this page has timed out" page whose link goes back to the '
        "form; with JavaScript it goes back in the browser's history, which keeps what was typed, and hands "
        "the form a fresh token.",
        section=SECURITY,
    )
    WTF_CSRF_TIME_LIMIT: int | None = setting(
        None,
        "Seconds a CSRF token stays valid. Unset means as long as the session.",
        section=SECURITY,
        gt=0,
    )
    # Rate limits (limits.py, Flask-Limiter's key names), plus the Redis URL production shares counters through.
    RATELIMIT_ENABLED: bool | None = setting(
        None,
        "Limit requests per client address and page (a fixed window). Over the limit, the GOV.UK 429 page with "
        "`Retry-After`. Static files and the health endpoints are never limited. Unset: on, except under `TESTING`, "
        "so a test's many requests are not refused; a test of the limits sets it.",
        section=SECURITY,
        shown_default="on, except under `TESTING`",
    )
    RATELIMIT_DEFAULT: str = setting(
        "300 per minute",
        'The limit for each page, in Flask-Limiter\'s notation (`"10 per minute; 100 per hour"`).',
        section=SECURITY,
    )
    RATELIMIT_STORAGE_URI: str | None = setting(
        None,
        "Where counters live (`memory://`, `redis://…`). Unset: `memory://` in development and under "
        "`TESTING`, otherwise `REDIS_URL`.",
        section=SECURITY,
        shown_default="see `REDIS_URL`",
        repr=False,
    )
    REDIS_URL: str | None = setting(
        None,
        "The Redis that keeps sessions and rate-limit counters, shared by every worker and replica. Without it "
        "a production app refuses to start, unless `RATELIMIT_STORAGE_URI` and `GOVUK_SESSION_STORE` say "
        "otherwise. If Redis goes down, counting falls back to each process's memory and pages that need the "
        "session answer 503.",
        section=SECURITY,
        shown_default="required in production",
        repr=False,
    )
    RATELIMIT_KEY_PREFIX: str | None = setting(
        None,
        "Prefix of the counters' keys in Redis, so services sharing one Redis keep apart.",
        section=SECURITY,
        shown_default="the app's import name",
        pattern=r"^[A-Za-z0-9_.:\-]+$",
    )
    GOVUK_RATELIMIT_EXEMPT_BLUEPRINTS: list[str] = setting(
        [HEALTH_BLUEPRINT], "Blueprints never rate limited, by name.", section=SECURITY
    )
    GOVUK_MAX_CONTENT_LENGTH: int = setting(
        1_048_576,
        "The largest request body in bytes; larger gets the 413 page. Flask's own `MAX_CONTENT_LENGTH` wins "
        "when set. Query strings that are not UTF-8 and form or query values with control characters (other "
        "than tab and new lines) get the 400 page.",
        section=SECURITY,
        gt=0,
    )

    GOVUK_FILE_FIELDS: list[str] = setting(
        [],
        "Form fields that take a file, by name. A POST, PUT, PATCH or DELETE must be a form "
        "(`application/x-www-form-urlencoded` or `multipart/form-data`, else the 415 page), and a file part "
        "under any other name is the 400 page, so a text field's value is always text.",
        section=SECURITY,
    )

    GOVUK_JSON_LOGS: bool = setting(
        True, "The app's log lines as JSON on stdout, each with the request id.", section=OPERABILITY
    )
    GOVUK_REQUEST_LOG: bool = setting(
        True,
        "One log line per request: request id, method, path, status and duration.",
        section=OPERABILITY,
    )
    GOVUK_METRICS: bool = setting(
        True,
        "Prometheus request counters and durations per endpoint. Under gunicorn the master serves every "
        "worker's metrics on `METRICS_PORT`, a port the Ingress never routes to.",
        section=OPERABILITY,
    )
    GOVUK_COMPONENT_CACHE_SIZE: int = setting(
        512,
        "How many rendered GOV.UK component calls (`govukInput(...)`, `govukButton(...)`, ...) each process keeps, "
        "keyed by the component and its exact params; the least recently used go first. `0` turns the cache off. "
        "`govuk_layout.component_cache().stats()` gives its hits and misses.",
        section=OPERABILITY,
        ge=0,
    )
    GOVUK_PAGE_CACHE_SIZE: int = setting(
        256,
        "How many whole pages each process keeps for views that render with `govuk_layout.render_page(...)` "
        "(pages showing no one's data: a start page, an empty question page), keyed by template, URL, language, "
        "cookie choice and mount point; each request's CSP nonce and CSRF token are put in when one is served. "
        "The least recently used go first. `0` turns the cache off; it is off when templates auto-reload. "
        "`govuk_layout.page_cache().stats()` gives its hits and misses.",
        section=OPERABILITY,
        ge=0,
    )
    # Staff sign-in over OpenID Connect (auth.py, the `auth` extra). Off until GOVUK_OIDC_ISSUER is set.
    GOVUK_OIDC_ISSUER: str | None = setting(
        None,
        "The identity provider's issuer URL; its discovery document is at "
        "`<issuer>/.well-known/openid-configuration`. Setting it turns staff sign-in on (https, or http on loopback).",
        section=STAFF_SIGN_IN,
    )
    GOVUK_OIDC_CLIENT_ID: str | None = setting(None, "The app's client id at the provider.", section=STAFF_SIGN_IN)
    GOVUK_OIDC_CLIENT_SECRET: str | None = setting(
        None,
        "The app's client secret at the provider (a Kubernetes Secret in production).",
        section=STAFF_SIGN_IN,
        repr=False,
    )
    GOVUK_OIDC_SCOPES: list[str] = setting(
        ["openid", "profile", "email"], "Scopes asked for at sign-in; must include openid.", section=STAFF_SIGN_IN
    )
    GOVUK_OIDC_ROLE_CLAIM: str = setting(
        "groups",
        "The ID token claim that grants the staff role (a string or a list).",
        section=STAFF_SIGN_IN,
        min_length=1,
    )
    GOVUK_OIDC_ROLE_VALUES: list[str] = setting(
        [],
        "Claim values that grant the staff role: any one is enough. A value starting with @ "
        "matches an email domain (`@justice.gov.uk`). Empty: nobody is staff.",
        section=STAFF_SIGN_IN,
    )
    GOVUK_OIDC_TIMEOUT: float = setting(
        5.0, "Seconds to wait for the provider before showing the 503 page.", section=STAFF_SIGN_IN, gt=0, le=30
    )

    @model_validator(mode="before")
    @classmethod
    def _brand_from_service_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("GOVUK_BRAND"):
            service_url = data.get("GOVUK_SERVICE_URL")
            data = {**data, "GOVUK_BRAND": brand_for(service_url if isinstance(service_url, str) else "/")}
        return data

    @field_validator("GOVUK_SERVICE_URL", "GOVUK_FEEDBACK_URL", "GOVUK_ASSETS_URL", "GOVUK_ORGANISATION_LOGO")
    @classmethod
    def _links(cls, value: str | None) -> str | None:
        return _check_link(value)

    @field_validator("GOVUK_CONTENT_SECURITY_POLICY", mode="before")
    @classmethod
    def _source_lists(cls, value: Any) -> Any:
        if isinstance(value, Mapping):  # a directive's sources may be a list: ["'self'", "https://x"]
            return {name: " ".join(map(str, s)) if isinstance(s, list | tuple) else s for name, s in value.items()}
        return value

    @field_validator("GOVUK_CONTENT_SECURITY_POLICY", "GOVUK_PERMISSIONS_POLICY")
    @classmethod
    def _header_policy(cls, value: dict[str, str]) -> dict[str, str]:
        # Each pair becomes part of one header: a separator or line break would forge another directive or header.
        for name, sources in value.items():
            if not _POLICY_NAME.fullmatch(name) or _POLICY_UNSAFE.search(sources):
                raise ValueError(f"{name!r}: names are lowercase words with hyphens; values have no ; , or line breaks")
        return value

    @field_validator("GOVUK_CONTENT_SECURITY_POLICY")
    @classmethod
    def _csp(cls, value: dict[str, str]) -> dict[str, str]:
        script_src = value.get("script-src")
        if script_src is None:
            raise ValueError("must declare script-src: the per-request nonce is added there")
        for unsafe in ("'unsafe-inline'", "'unsafe-eval'"):
            if unsafe in script_src:
                raise ValueError(f"script-src must not allow {unsafe}")
        return value

    @field_validator("RATELIMIT_DEFAULT")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        parse_many(value)  # its ValueError names the bad string
        return value

    @field_validator("RATELIMIT_STORAGE_URI", "REDIS_URL")
    @classmethod
    def _storage(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in _STORAGE_SCHEMES:
            raise ValueError(f"must start with one of {', '.join(s + '://' for s in _STORAGE_SCHEMES)}")
        return value or None  # an empty variable means "not set"

    @field_validator("GOVUK_GOOGLE_ANALYTICS_ID", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: Any) -> Any:
        return value or None  # an empty variable means "not set"

    @field_validator("GOVUK_OIDC_ISSUER")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if not value:
            return None  # an empty variable means "not set"
        parts = urlsplit(value)
        loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not (parts.scheme == "https" or loopback) or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be an https URL (http only on loopback) with no query or fragment")
        return value.rstrip("/")

    @field_validator("GOVUK_OIDC_SCOPES")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        if "openid" not in value or any(not scope or " " in scope for scope in value):
            raise ValueError("must include openid; each scope is one word")
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> LayoutSettings:
        client = (self.GOVUK_OIDC_CLIENT_ID, self.GOVUK_OIDC_CLIENT_SECRET)
        if self.GOVUK_OIDC_ISSUER and not all(client):
            raise ValueError("GOVUK_OIDC_ISSUER needs GOVUK_OIDC_CLIENT_ID and GOVUK_OIDC_CLIENT_SECRET")
        if any(client) and not self.GOVUK_OIDC_ISSUER:
            raise ValueError("GOVUK_OIDC_CLIENT_ID and GOVUK_OIDC_CLIENT_SECRET need GOVUK_OIDC_ISSUER")
        return self

    @field_validator("GOVUK_LANGUAGES")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each language at most once")
        return value

    @model_validator(mode="after")
    def _session_times(self) -> LayoutSettings:
        if self.GOVUK_TIMEOUT_WARNING_SECONDS >= self.GOVUK_SESSION_IDLE_TIMEOUT:
            raise ValueError("GOVUK_TIMEOUT_WARNING_SECONDS must be less than GOVUK_SESSION_IDLE_TIMEOUT")
        if self.GOVUK_SESSION_MAX_LIFETIME < self.GOVUK_SESSION_IDLE_TIMEOUT:
            raise ValueError("GOVUK_SESSION_MAX_LIFETIME must be at least GOVUK_SESSION_IDLE_TIMEOUT")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _EnvironmentSource(settings_cls), dotenv_settings, file_secret_settings


def _problem(error: ErrorDetails) -> str:
    """One problem as ``KEY: what is wrong``, in the validator's own words (without pydantic's "Value error, ")."""
    where = ".".join(map(str, error["loc"]))
    if isinstance(error["input"], NotJSON):
        return f"{error['loc'][0]}: must be JSON ({error['input'].reason})"
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _given(schema: type[LayoutSettings], config: Mapping[str, Any], name: str, annotation: Any) -> Any:
    """A key's value from ``config``, else the environment, else its default, leniently typed; UNKNOWN if invalid."""
    raw = config.get(name)
    if raw is None:
        raw = os.environ.get(name)
    if raw is None or raw == "":
        return schema.model_fields[name].get_default(call_default_factory=True)
    try:
        return TypeAdapter(annotation).validate_python(raw)
    except ValidationError:
        return UNKNOWN  # its own error is reported already


def requirements(schema: type[LayoutSettings], config: Mapping[str, Any], testing: bool) -> list[str]:
    """What production needs besides valid keys. Worked out even when other keys are invalid, to report all at once."""
    if _given(schema, config, "GOVUK_ENVIRONMENT", str) != "production":
        return []
    problems = []
    if not _given(schema, config, "SECRET_KEY", str | bytes | None):
        problems.append("SECRET_KEY is required when GOVUK_ENVIRONMENT is production")
    limits_on = _given(schema, config, "RATELIMIT_ENABLED", bool | None)
    stores = [_given(schema, config, name, str | None) for name in ("RATELIMIT_STORAGE_URI", "REDIS_URL")]
    if limits_on is not False and not testing and not any(stores):
        problems.append(
            "REDIS_URL (or RATELIMIT_STORAGE_URI) is required when GOVUK_ENVIRONMENT is production, so rate limits "
            "hold across workers and replicas (RATELIMIT_STORAGE_URI=memory:// accepts limits per process; "
            "RATELIMIT_ENABLED=false turns them off)"
        )
    if not testing and not any(
        _given(schema, config, name, str | None) for name in ("REDIS_URL", "GOVUK_SESSION_STORE")
    ):
        problems.append(
            "REDIS_URL (or GOVUK_SESSION_STORE) is required when GOVUK_ENVIRONMENT is production, so sessions are "
            "shared by every worker and replica"
        )
    return problems


def warn_unknown_keys(app: Flask, schema: type[LayoutSettings]) -> None:
    """Log each ``GOVUK_*`` key in ``app.config`` or the environment that the schema does not know: a typo is silent."""
    known = list(schema.model_fields)
    for origin, keys in (("app.config", app.config), ("the environment", os.environ)):
        for name in sorted(key for key in keys if key.startswith("GOVUK_") and key not in known):
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            hint = f"; did you mean {close[0]}?" if close else ""
            app.logger.warning("%s (in %s) is not a setting %s knows, so it is ignored%s", name, origin, app.name, hint)


def load_settings(app: Flask, schema: type[LayoutSettings]) -> LayoutSettings:
    """Validate ``app.config`` plus the environment against ``schema``.

    Every problem, a bad key or one production needs, is reported in one
    :class:`ConfigError`. The validated values are written back to
    ``app.config`` so templates and views read normalised types.
    """
    warn_unknown_keys(app, schema)
    # None means unset: Flask's own defaults (SECRET_KEY is None) must not hide the environment.
    given: dict[str, Any] = {key: app.config[key] for key in schema.model_fields if app.config.get(key) is not None}
    problems: list[str] = []
    try:
        settings = schema(**given)
    except ValidationError as exc:
        problems = list(dict.fromkeys(_problem(error) for error in exc.errors()))
    problems += requirements(schema, given, app.testing)
    if problems:
        raise ConfigError(
            f"{app.name} configuration is invalid; set these in app.config or the environment: " + "; ".join(problems)
        ) from None
    app.config.update(settings.model_dump())
    return settings
