"""The example service's config: govuk-layout's schema plus the service's own keys."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from govuk_layout import LayoutSettings, NavigationItem
from govuk_layout.i18n import N_


class ExampleSettings(LayoutSettings):
    """Defaults describe this service; every key can still be overridden by app.config or the environment."""

    GOVUK_SERVICE_NAME: str = N_("Request access to an Operations Engineering service")
    GOVUK_CONTACT_EMAIL: str = "operations-engineering@digital.justice.gov.uk"
    GOVUK_NAVIGATION: list[NavigationItem] = [NavigationItem(text=N_("Check a request"), href="/status")]
    # A service for the whole of the UK, so for Wales too: every page in English and Welsh.
    GOVUK_LANGUAGES: list[Literal["en", "cy"]] = ["en", "cy"]

    # The table Cloud Platform's DynamoDB module created (its `table_name` output).
    DYNAMODB_TABLE_NAME: str = Field("access-requests", pattern=r"^[A-Za-z0-9_.\-]{3,255}$")
    # None in production: boto3's default chain finds the region's endpoint and IRSA credentials.
    DYNAMODB_ENDPOINT_URL: str | None = None
    DYNAMODB_REGION: str = Field("eu-west-2", pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    # Seconds. Short, so a dead endpoint becomes a 503 well inside gunicorn's worker timeout.
    DYNAMODB_CONNECT_TIMEOUT: float = Field(2.0, gt=0, le=30)
    DYNAMODB_READ_TIMEOUT: float = Field(5.0, gt=0, le=60)
    # Total attempts per call, botocore "standard" retry mode (backoff with jitter).
    DYNAMODB_MAX_ATTEMPTS: int = Field(3, ge=1, le=10)
    # Days a request is kept before DynamoDB's TTL deletes it (the `Expires` attribute).
    REQUEST_RETENTION_DAYS: int = Field(180, ge=1, le=3650)

    @field_validator("DYNAMODB_ENDPOINT_URL")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// or http://")
        return value or None  # an empty variable means production's default endpoint
