"""The generic govuk_health blueprint: liveness never checks dependencies; readiness runs the app's checks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient


def test_blueprint_and_endpoints_have_stable_names(app: Flask) -> None:
    assert "govuk_health" in app.blueprints
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert rules["/healthz"] == "govuk_health.healthz"
    assert rules["/readyz"] == "govuk_health.readyz"


def test_liveness_and_readiness_with_no_checks(client: FlaskClient) -> None:
    with client.get("/healthz") as alive:
        assert alive.status_code == 200
        assert alive.get_json() == {"status": "ok"}
        assert alive.headers["Cache-Control"] == "no-store"
    with client.get("/readyz") as ready:
        assert ready.status_code == 200
        assert ready.get_json() == {"status": "ok"}


def test_readiness_follows_the_registered_checks(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    state = {"reason": None}
    app.extensions["govuk_layout"].add_readiness_check("database", lambda: state["reason"])
    app.extensions["govuk_layout"].add_readiness_check("cache", lambda: None)
    assert client.get("/readyz").status_code == 200

    state["reason"] = "database unreachable"
    with client.get("/readyz") as not_ready:
        assert not_ready.status_code == 503
        assert not_ready.mimetype == "application/json"
        # The probe path is routed publicly: only the status, the reason goes to the log.
        assert not_ready.get_json() == {"status": "unavailable"}
    assert "not ready: database: database unreachable" in caplog.text
    with client.get("/healthz") as alive:
        assert alive.status_code == 200  # a dependency never fails liveness

    state["reason"] = None
    assert client.get("/readyz").status_code == 200


def test_a_check_that_raises_is_not_ready_without_leaking_details(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> str | None:
        raise RuntimeError("secret connection string")

    app.extensions["govuk_layout"].add_readiness_check("broken", broken)
    with client.get("/readyz") as response:
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable"}
        assert "secret" not in response.get_data(as_text=True)
    assert "readiness check broken failed" in caplog.text


def test_checks_belong_to_one_app(make_app: Callable[..., Flask]) -> None:
    first, second = make_app(), make_app()
    first.extensions["govuk_layout"].add_readiness_check("down", lambda: "down")
    with second.test_client().get("/readyz") as response:
        assert response.status_code == 200
