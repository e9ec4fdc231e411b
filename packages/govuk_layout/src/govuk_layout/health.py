"""Liveness and readiness endpoints for Kubernetes probes.

``/healthz`` answers 200 whenever the process can serve a request: it checks no
dependency, so a slow database never gets healthy pods restarted. ``/readyz``
runs every readiness check the app registered and answers 503 when one fails (the
reason goes to the log, not the response, as the probe path is reachable from outside), so the pod is taken
out of the Service until it recovers.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, jsonify

BLUEPRINT_NAME = "govuk_health"

# A check returns None when its dependency is ready, or a short reason when it is not.
ReadinessCheck = Callable[[], str | None]


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def healthz() -> Response:
    return _no_store(jsonify(status="ok"))


def readyz() -> tuple[Response, int]:
    """200 or 503 with a bare status: why a dependency failed goes to the logs, never to whoever asked."""
    checks: dict[str, ReadinessCheck] = current_app.extensions["govuk_layout"].readiness_checks
    ready = True
    for name, check in checks.items():
        try:
            reason = check()
        except Exception:  # a broken check means not ready, never a 500 with a traceback
            current_app.logger.exception("readiness check %s failed", name)
            ready = False
            continue
        if reason:
            current_app.logger.warning("not ready: %s: %s", name, reason)
            ready = False
    return _no_store(jsonify(status="ok" if ready else "unavailable")), 200 if ready else 503


def create_blueprint() -> Blueprint:
    """The ``govuk_health`` blueprint: ``/healthz`` (liveness) and ``/readyz`` (readiness)."""
    blueprint = Blueprint(BLUEPRINT_NAME, __name__)
    blueprint.add_url_rule("/healthz", view_func=healthz)
    blueprint.add_url_rule("/readyz", view_func=readyz)
    return blueprint
