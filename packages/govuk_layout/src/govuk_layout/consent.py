"""The cookie-consent choice: read from and written to one long-lived cookie."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.wrappers import Response

ONE_YEAR = datetime.timedelta(days=365)
CHOICES = ("yes", "no")


def cookie_name() -> str:
    return str(current_app.config["GOVUK_COOKIE_CONSENT_NAME"])


def current_choice() -> str | None:
    """'yes' or 'no' for analytics cookies, or None when the user has not chosen."""
    value = request.cookies.get(cookie_name(), "")
    choice = value.removeprefix("analytics=")
    return choice if value.startswith("analytics=") and choice in CHOICES else None


def remember(response: Response, analytics: str) -> None:
    response.set_cookie(
        cookie_name(),
        f"analytics={analytics}",
        max_age=int(ONE_YEAR.total_seconds()),
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )


def safe_return_path(target: str | None, default: str) -> str:
    """Only same-site paths are followed after a choice, so the form is no open redirect."""
    if not target:
        return default
    if not target.isprintable():  # CR/LF would split the Location header (a 500), other controls confuse browsers
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
