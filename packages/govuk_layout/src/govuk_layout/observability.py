"""Operability: a request id, one JSON log line per request, and Prometheus metrics.

- The request id comes from the ingress's ``X-Request-Id`` when it looks like one (ingress-nginx sends
  32 hex characters), else a new one is made. It is ``g.request_id`` (the 500 page shows it), it is
  returned in the response's ``X-Request-Id``, and a logging filter puts it in every log line.
- Metrics are counted per endpoint (never per raw path, which would grow without bound). Under
  gunicorn they are served by the master on ``METRICS_PORT``, a port the Ingress never routes to,
  from every worker's files in ``PROMETHEUS_MULTIPROC_DIR`` (see the ``gunicorn_*`` hooks below).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.logging import default_handler
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, start_http_server
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-Id"
# RFC 9110's methods plus PATCH: each gets its own metric label; any other is "other".
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
# Letters, digits and a little punctuation, 8 to 128 long: anything else is replaced, never logged.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current request's, or None outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if g else None
        return True


class _JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is at the time; replaced, never stacked, when an app is set up again."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        """The stream is always the current stdout."""


def request_id_from(value: str | None) -> str:
    """The caller's id when it is well formed, else a fresh one."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


@functools.cache
def _metrics() -> tuple[Counter, Histogram]:
    """Created once per process: prometheus_client refuses a second metric of the same name."""
    requests = Counter("http_requests_total", "HTTP requests answered.", ["method", "endpoint", "status"])
    duration = Histogram("http_request_duration_seconds", "Time to answer an HTTP request.", ["method", "endpoint"])
    return requests, duration


def _configure_logging(app: Flask) -> None:
    handler = _JsonHandler()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    # Flask's plain stderr handler would write every line a second time, unstructured.
    for old in [h for h in app.logger.handlers if isinstance(h, _JsonHandler) or h is default_handler]:
        app.logger.removeHandler(old)
    app.logger.addHandler(handler)
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)


def _start() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    duration = time.perf_counter() - g.get("request_started", time.perf_counter())
    endpoint = request.endpoint or "unmatched"
    if current_app.config["GOVUK_METRICS"]:
        requests, histogram = _metrics()
        # Any token is a valid method: label the unknown ones together, so no client can add series without end.
        method = request.method if request.method in HTTP_METHODS else "other"
        requests.labels(method, endpoint, str(response.status_code)).inc()
        histogram.labels(method, endpoint).observe(duration)
    if current_app.config["GOVUK_REQUEST_LOG"]:
        # The path only: a query string can carry what a user typed.
        current_app.logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
                "endpoint": endpoint,
            },
        )
    return response


def init_app(app: Flask) -> None:
    """Request ids, JSON request logs and metrics, each switched by its validated config key.

    Keys: ``GOVUK_JSON_LOGS`` (app log lines as JSON on stdout), ``GOVUK_REQUEST_LOG`` (one line per
    request) and ``GOVUK_METRICS`` (Prometheus counters), all on by default.
    """
    if app.config["GOVUK_JSON_LOGS"]:
        _configure_logging(app)
    app.before_request(_start)
    app.after_request(_finish)


# gunicorn hooks: set PROMETHEUS_MULTIPROC_DIR (on /tmp) in the environment before the server starts.


def gunicorn_on_starting(server: Any) -> None:
    """Start each server with an empty metrics directory, so counters never mix two runs."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def gunicorn_when_ready(server: Any) -> None:
    """Serve every worker's metrics from the master on METRICS_PORT, when both it and the directory are set."""
    port = os.environ.get("METRICS_PORT")
    if port and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        start_http_server(int(port), registry=registry)
        server.log.info("Prometheus metrics on port %s", port)


def gunicorn_child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (its counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
