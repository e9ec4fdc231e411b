"""The validated configuration schema shared by every app that uses govuk-layout.

Field names are the Flask config keys. Values come from ``app.config`` first,
then from environment variables of the same name, then from the defaults here.
A service adds its own keys by subclassing :class:`LayoutSettings`.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from flask import Flask
from pydantic import BaseModel, EmailStr, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @field_validator("GOVUK_SERVICE_URL", "GOVUK_FEEDBACK_URL", "GOVUK_ASSETS_URL")
    @classmethod
    def _links(cls, value: str | None) -> str | None:
        return _check_link(value)

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
    given: dict[str, Any] = {key: app.config[key] for key in schema.model_fields if key in app.config}
    try:
        settings = schema(**given)
    except ValidationError as exc:
        problems = [": ".join(filter(None, (".".join(map(str, err["loc"])), err["msg"]))) for err in exc.errors()]
        raise ConfigError(
            f"{app.name} configuration is invalid; set these in app.config or the environment: " + "; ".join(problems)
        ) from None
    app.config.update(settings.model_dump())
    return settings
