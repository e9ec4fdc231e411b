"""Config problems arrive in one message, in plain words; typos are named; values take the forms people write."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, session

from govuk_layout import ConfigError, GovukLayout
from govuk_layout.extension import DEVELOPMENT_KEY_FILE

PRODUCTION_KEYS = ("GOVUK_SERVICE_NAME", "GOVUK_CONTACT_EMAIL", "GOVUK_ENVIRONMENT", "SECRET_KEY", "REDIS_URL")


def test_production_with_nothing_set_names_every_problem_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in (*PRODUCTION_KEYS, "RATELIMIT_STORAGE_URI", "RATELIMIT_ENABLED"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ConfigError) as caught:
        GovukLayout(Flask("fishing"))
    message = str(caught.value)
    assert message.startswith("fishing configuration is invalid; set these in app.config or the environment: ")
    for problem in (
        "GOVUK_SERVICE_NAME: Field required",
        "GOVUK_CONTACT_EMAIL: Field required",
        "SECRET_KEY is required when GOVUK_ENVIRONMENT is production",
        "REDIS_URL (or RATELIMIT_STORAGE_URI) is required when GOVUK_ENVIRONMENT is production",
    ):
        assert problem in message


def test_validators_speak_for_themselves(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError) as caught:
        make_app(GOVUK_FEEDBACK_URL="javascript:alert(1)", SECRET_KEY=None, GOVUK_ENVIRONMENT="production")
    message = str(caught.value)
    assert "GOVUK_FEEDBACK_URL: must start with https://, http://, mailto: or /" in message
    assert "SECRET_KEY is required" in message
    assert "Value error" not in message


def test_unknown_govuk_keys_are_named_with_a_suggestion(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GOVUK_PHASEE", "alpha")
    monkeypatch.setenv("GOVUK_SOMETHING_ELSE", "x")
    with caplog.at_level(logging.WARNING):
        app = make_app(GOVUK_SERVCE_NAME="Apply for a fishing licence")
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert (
        "GOVUK_SERVCE_NAME (in app.config) is not a setting bare_app knows, so it is ignored; "
        "did you mean GOVUK_SERVICE_NAME?" in warnings
    )
    assert (
        "GOVUK_PHASEE (in the environment) is not a setting bare_app knows, so it is ignored; "
        "did you mean GOVUK_PHASE?" in warnings
    )
    assert "GOVUK_SOMETHING_ELSE (in the environment) is not a setting bare_app knows, so it is ignored" in warnings
    assert app.config["GOVUK_PHASE"] == "beta"  # the typo changed nothing


def test_known_keys_raise_no_warning(make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        make_app(GOVUK_PHASE="alpha")
    assert not [record for record in caplog.records if "is not a setting" in record.getMessage()]


def test_environment_values_that_are_not_json_are_config_errors(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVUK_NAVIGATION", '[{"text": "Home", "href": "/"')
    monkeypatch.setenv("GOVUK_CONTENT_SECURITY_POLICY", "default-src 'self'")
    with pytest.raises(ConfigError) as caught:
        make_app()
    message = str(caught.value)
    assert "GOVUK_NAVIGATION: must be JSON (" in message
    assert "GOVUK_CONTENT_SECURITY_POLICY: must be JSON (" in message


@pytest.mark.parametrize("sources", [["'self'", "https://tag.example"], "'self' https://tag.example"])
def test_csp_sources_may_be_a_list_or_a_string(make_app: Callable[..., Flask], sources: object) -> None:
    app = make_app(GOVUK_CONTENT_SECURITY_POLICY={"default-src": "'self'", "script-src": sources})
    # A page: its policy carries the nonce (a response without a page, like "/", gets none).
    header = app.test_client().get("/cookies").headers["Content-Security-Policy"]
    assert "script-src 'self' https://tag.example 'nonce-" in header


def test_csp_source_lists_from_the_environment(make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVUK_CONTENT_SECURITY_POLICY", '{"default-src": ["\'self\'"], "script-src": ["\'self\'"]}')
    assert make_app().config["GOVUK_CONTENT_SECURITY_POLICY"] == {"default-src": "'self'", "script-src": "'self'"}


def test_a_bytes_secret_key_signs_sessions(make_app: Callable[..., Flask]) -> None:
    app = make_app(SECRET_KEY=b"\x00\x01bytes-secret-key-long-enough")

    @app.get("/remember")
    def remember() -> str:
        session["seen"] = True
        return "ok"

    client = app.test_client()
    assert client.get("/remember").status_code == 200
    with client.session_transaction() as kept:
        assert kept["seen"] is True
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app(SECRET_KEY=b"short")


def test_rate_limits_are_off_under_testing_unless_asked_for(make_app: Callable[..., Flask]) -> None:
    quiet = make_app(RATELIMIT_DEFAULT="1 per minute").test_client()
    assert {quiet.get("/").status_code for _ in range(5)} == {200}
    asked = make_app(RATELIMIT_DEFAULT="1 per minute", RATELIMIT_ENABLED=True).test_client()
    assert [asked.get("/").status_code for _ in range(2)] == [200, 429]
    local = make_app(RATELIMIT_DEFAULT="1 per minute", TESTING=False, GOVUK_ENVIRONMENT="development").test_client()
    assert [local.get("/").status_code for _ in range(2)] == [200, 429]


def test_development_keeps_one_secret_key_per_checkout(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    """Every gunicorn worker (and every restart) reads the same key, so a form posted to another worker still works."""
    instance = tmp_path / "instance"

    def local_app() -> Flask:
        app = Flask("local", instance_path=str(instance))
        app.config.update(GOVUK_SERVICE_NAME="Fish", GOVUK_CONTACT_EMAIL="a@justice.gov.uk")
        app.config["GOVUK_ENVIRONMENT"] = "development"
        GovukLayout(app)
        return app

    first, second = local_app(), local_app()
    assert first.secret_key == second.secret_key
    kept = instance / DEVELOPMENT_KEY_FILE
    assert kept.read_text(encoding="ascii") == first.secret_key
    assert len(str(first.secret_key)) == 64
    assert kept.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert [path.name for path in instance.iterdir()] == [DEVELOPMENT_KEY_FILE]  # no drafts left behind
    assert make_app(SECRET_KEY=None, GOVUK_ENVIRONMENT="development").secret_key != first.secret_key  # tests: fresh
