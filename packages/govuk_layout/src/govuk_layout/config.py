"""The validated configuration schema shared by every app that uses govuk-layout.

Field names are the Flask config keys. Values come from ``app.config`` first,
then from environment variables of the same name, then from the defaults here.
A service adds its own keys by subclassing :class:`LayoutSettings`.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Literal
from urllib.parse import urlsplit

from flask import Flask
from limits import parse_many
from pydantic import BaseModel, EmailStr, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class ConfigError(RuntimeError):
    """Raised at start-up when configuration is missing or invalid."""


class NavigationItem(BaseModel):
    """One link in the service navigation."""

    text: str = Field(min_length=1)
    href: str = Field(min_length=1)


def _check_link(value: str | None) -> str | None:
    if value is None or value.startswith(("https://", "http://", "mailto:", "/")):
        return value
    raise ValueError("must start with https://, http://, mailto: or /")


class LayoutSettings(BaseSettings):
    """Keys that govuk-layout's templates, pages and assets need."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    GOVUK_SERVICE_NAME: str = Field(min_length=1, max_length=80)
    GOVUK_SERVICE_URL: str = "/"
    GOVUK_PHASE: Literal["alpha", "beta", "live"] = "beta"
    GOVUK_CONTACT_EMAIL: EmailStr
    GOVUK_FEEDBACK_URL: str | None = None
    GOVUK_DEPARTMENT: str = Field("Ministry of Justice", min_length=1)
    GOVUK_NAVIGATION: list[NavigationItem] = []
    GOVUK_ENVIRONMENT: Literal["development", "production"] = "production"
    GOVUK_ASSETS_URL: str = "/assets"
    GOVUK_ASSETS_DIR: str | None = None
    GOVUK_COOKIE_CONSENT_NAME: str = Field("cookies_policy", pattern=r"^[A-Za-z0-9_\-]+$")
    GOVUK_ACCESSIBILITY_REVIEWED: datetime.date | None = None
    GOVUK_DATA_RETENTION: str = (
        "We keep your information for as long as we need it to provide the service, and no longer."
    )
    SECRET_KEY: str | None = Field(None, repr=False, min_length=16)

    # Security headers and cookies (security.py).
    GOVUK_SECURITY_HEADERS: bool = True
    GOVUK_CONTENT_SECURITY_POLICY: dict[str, str] = DEFAULT_CONTENT_SECURITY_POLICY
    GOVUK_HSTS_MAX_AGE: int = Field(31_536_000, ge=0)
    GOVUK_REFERRER_POLICY: str = Field("strict-origin-when-cross-origin", pattern=r"^[a-z\-]+$")
    GOVUK_PERMISSIONS_POLICY: dict[str, str] = DEFAULT_PERMISSIONS_POLICY
    GOVUK_CROSS_ORIGIN_OPENER_POLICY: Literal["same-origin", "same-origin-allow-popups", "unsafe-none"] = "same-origin"
    GOVUK_FORCE_HTTPS: bool = False
    GOVUK_PROXY_FIX_HOPS: int = Field(1, ge=0, le=5)
    GOVUK_SECURE_COOKIES: bool | None = None
    # Server-side sessions (sessions.py) and the timeout warning (templates/govuk_layout/components).
    GOVUK_SESSION_STORE: Literal["redis", "filesystem", "memory"] | None = Field(
        None,
        description="Where session data lives. Unset: Redis at REDIS_URL when set; otherwise memory under TESTING, "
        "a private folder in the system's temporary directory in development, and a refusal to start in production. "
        "filesystem and memory hold sessions for one machine or one process only.",
    )
    GOVUK_SESSION_IDLE_TIMEOUT: int = Field(
        1200,
        ge=5,
        le=86_400,
        description="Seconds without a request after which the session's data is deleted (the store's time-to-live, "
        "renewed by every request). GOV.UK's pattern is 20 minutes.",
    )
    GOVUK_SESSION_MAX_LIFETIME: int = Field(
        28_800,
        ge=5,
        le=604_800,
        description="Seconds after the session's data was first stored when it is deleted however active the user is "
        "(the absolute lifetime). Rotating the id starts it again.",
    )
    GOVUK_TIMEOUT_WARNING: bool = Field(
        True,
        description="Show the GOV.UK timeout warning (a modal dialog offering to continue) before the idle timeout, "
        "on pages that extend govuk_layout/form_page.html or set timeout_warning.",
    )
    GOVUK_TIMEOUT_WARNING_SECONDS: int = Field(
        120,
        ge=1,
        description="How many seconds before the idle timeout the warning appears. Less than the idle timeout.",
    )
    # CSRF: Flask-WTF's own keys. No time limit: the token lives as long as the session.
    WTF_CSRF_ENABLED: bool = True
    WTF_CSRF_TIME_LIMIT: int | None = Field(None, gt=0)
    # Rate limits: Flask-Limiter's own keys, plus the Redis URL production shares them through (limits.py).
    RATELIMIT_ENABLED: bool = True
    RATELIMIT_DEFAULT: str = "300 per minute"
    RATELIMIT_STORAGE_URI: str | None = Field(None, repr=False)
    REDIS_URL: str | None = Field(None, repr=False)
    RATELIMIT_KEY_PREFIX: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:\-]+$")
    GOVUK_RATELIMIT_EXEMPT_BLUEPRINTS: list[str] = ["govuk_health"]
    # Request limits (inputs.py).
    GOVUK_MAX_CONTENT_LENGTH: int = Field(1_048_576, gt=0)
    # Operability (observability.py).
    GOVUK_JSON_LOGS: bool = True
    GOVUK_REQUEST_LOG: bool = True
    GOVUK_METRICS: bool = True

    @field_validator("GOVUK_SERVICE_URL", "GOVUK_FEEDBACK_URL", "GOVUK_ASSETS_URL")
    @classmethod
    def _links(cls, value: str | None) -> str | None:
        return _check_link(value)

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

    @model_validator(mode="after")
    def _session_times(self) -> LayoutSettings:
        if self.GOVUK_TIMEOUT_WARNING_SECONDS >= self.GOVUK_SESSION_IDLE_TIMEOUT:
            raise ValueError("GOVUK_TIMEOUT_WARNING_SECONDS must be less than GOVUK_SESSION_IDLE_TIMEOUT")
        if self.GOVUK_SESSION_MAX_LIFETIME < self.GOVUK_SESSION_IDLE_TIMEOUT:
            raise ValueError("GOVUK_SESSION_MAX_LIFETIME must be at least GOVUK_SESSION_IDLE_TIMEOUT")
        return self

    @model_validator(mode="after")
    def _production_needs_secret(self) -> LayoutSettings:
        if self.GOVUK_ENVIRONMENT == "production" and not self.SECRET_KEY:
            raise ValueError("SECRET_KEY is required when GOVUK_ENVIRONMENT is production")
        return self


def load_settings(app: Flask, schema: type[LayoutSettings]) -> LayoutSettings:
    """Validate ``app.config`` plus the environment against ``schema``.

    Every bad key is reported in one :class:`ConfigError`. The validated
    values are written back to ``app.config`` so templates and views read
    normalised types.
    """
    # None means unset: Flask's own defaults (SECRET_KEY is None) must not hide the environment.
    given: dict[str, Any] = {key: app.config[key] for key in schema.model_fields if app.config.get(key) is not None}
    try:
        settings = schema(**given)
    except ValidationError as exc:
        problems = [": ".join(filter(None, (".".join(map(str, err["loc"])), err["msg"]))) for err in exc.errors()]
        raise ConfigError(
            f"{app.name} configuration is invalid; set these in app.config or the environment: " + "; ".join(problems)
        ) from None
    app.config.update(settings.model_dump())
    return settings
