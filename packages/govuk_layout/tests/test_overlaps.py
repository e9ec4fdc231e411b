"""An app's own CSRFProtect, Limiter or 404 handler duplicates what govuk-layout does: say so, once."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from govuk_layout import GovukLayout


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


def test_an_apps_own_csrf_limiter_and_404_handler_are_named_at_the_first_request(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(RATELIMIT_ENABLED=True)
    CSRFProtect(app)
    Limiter(get_remote_address, app=app)

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "gone", 404

    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        client.get("/")
        client.get("/")
    assert _warnings(caplog) == [
        "bare_app has a CSRFProtect of its own: govuk-layout already protects every form (WTF_CSRF_ENABLED)",
        "bare_app has a Limiter of its own: govuk-layout already limits every view (RATELIMIT_*)",
        "bare_app has an app-wide 404 error handler: it replaces the GOV.UK 404 page (override the template instead)",
    ]


def test_one_registered_before_govuk_layout_is_named_too(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask("early")
    app.config.update(TESTING=True, GOVUK_SERVICE_NAME="Fish", GOVUK_CONTACT_EMAIL="a@justice.gov.uk")
    app.config["SECRET_KEY"] = "test-secret-key-with-enough-length"
    CSRFProtect(app)
    GovukLayout(app)
    with caplog.at_level(logging.WARNING):
        app.test_client().get("/cookies")
    assert [message for message in _warnings(caplog) if "CSRFProtect" in message]


def test_an_app_with_only_govuk_layout_hears_nothing(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(RATELIMIT_ENABLED=True)
    with caplog.at_level(logging.WARNING):
        assert app.test_client().get("/nope").status_code == 404
    assert _warnings(caplog) == []


def test_a_limiter_of_its_own_is_fine_when_govuk_layouts_limits_are_off(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(RATELIMIT_ENABLED=False)
    Limiter(get_remote_address, app=app)
    with caplog.at_level(logging.WARNING):
        app.test_client().get("/")
    assert _warnings(caplog) == []
