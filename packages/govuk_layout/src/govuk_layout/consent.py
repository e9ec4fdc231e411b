"""The cookie-consent choice: read from and written to one long-lived cookie."""

from __future__ import annotations

import datetime

from flask import current_app, request
from werkzeug.wrappers import Response

from govuk_layout import analytics

ONE_YEAR = datetime.timedelta(days=365)
CHOICES = ("yes", "no")
# Without analytics (no GOVUK_GOOGLE_ANALYTICS_ID) there is nothing to choose: the cookie records that the
# essential-cookies message was hidden. Set an id later, and the banner asks about analytics again.
ESSENTIAL = "essential"


def cookie_name() -> str:
    return str(current_app.config["GOVUK_COOKIE_CONSENT_NAME"])


def current_choice() -> str | None:
    """'yes' or 'no' for analytics cookies, or None when the user has not chosen.

    Without analytics, ESSENTIAL once the banner was hidden (or any choice recorded), else None.
    """
    current = request._get_current_object()  # type: ignore[attr-defined]  # the proxy looked up once
    value = ""
    if "HTTP_COOKIE" in current.environ:  # a first visit sends no cookies: nothing to parse
        cookies, name = current.cookies, cookie_name()
        if name in cookies:  # not .get(): Werkzeug raises and catches a KeyError for a missing key
            value = cookies[name]
    choice = value.removeprefix("analytics=")
    analytics_choice = choice if value.startswith("analytics=") and choice in CHOICES else None
    if analytics.measurement_id():
        return analytics_choice
    return ESSENTIAL if analytics_choice or value == ESSENTIAL else None


def remember(response: Response, choice: str) -> None:
    """Record ``choice`` ('yes', 'no' or ESSENTIAL) for a year; anything but 'yes' also expires GA4's cookies."""
    response.set_cookie(
        cookie_name(),
        ESSENTIAL if choice == ESSENTIAL else f"analytics={choice}",
        max_age=int(ONE_YEAR.total_seconds()),
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    if choice != "yes":
        analytics.expire_cookies(response)
