"""Operability: a request id, one JSON log line per request, and Prometheus metrics.

- The request id comes from the ingress's ``X-Request-Id`` when it looks like one (ingress-nginx sends
  32 hex characters), else a new one is made. It is ``g.request_id`` (the 500 page shows it), it is
  returned in the response's ``X-Request-Id``, and a logging filter puts it in every log line. It
  ties a request's lines together, so it must be unique; it grants nothing (a client may choose its
  own), so it need not be secret. A new one is still 32 random hex characters, as ingress-nginx's,
  from :mod:`govuk_layout.randomness`; a counter would be as unique but would tell any client how busy
  each worker is.
- Metrics are counted per endpoint (never per raw path, which would grow without bound). Under
  gunicorn they are served by the master on ``METRICS_PORT``, a port the Ingress never routes to,
  from every worker's files in ``PROMETHEUS_MULTIPROC_DIR`` (see the ``gunicorn_*`` hooks below).

Both run on every request, so their per-request work is small: the labelled metric children are
looked up once per (method, endpoint, status), and the request's log line is written straight to
stdout when the JSON handler is the only place the record would go (as under gunicorn), in exactly
the JSON the logging path writes (each value escaped by the json module's C encoder, without building
an encoder per line); otherwise (another handler, a filter, a test's capture) it goes
through ``logging`` as any other line.
"""

from __future__ import annotations

import functools
import json.encoder
import logging
import os
import re
import shutil
import sys
import time
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.logging import default_handler
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, start_http_server
from pythonjsonlogger.json import JsonEncoder, JsonFormatter

from govuk_layout import randomness

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID_ENVIRON = "HTTP_X_REQUEST_ID"  # the same header, read from the WSGI environ without building a Headers view
# RFC 9110's methods plus PATCH: each gets its own metric label; any other is "other".
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
# Letters, digits and a little punctuation, 8 to 128 long: anything else is replaced, never logged.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
REQUEST_MESSAGE = "request"
# python-json-logger's fields for every line, renamed; a request's line adds its fields after them.
_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
_LOG_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
# A request line's own fields, in this order: method, path, status, duration_ms, endpoint.
_RequestFields = tuple[str, str, int, float, str]
_REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "endpoint")


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

    def write_line(self, line: str) -> None:
        """Write one formatted line as ``emit`` would, without a LogRecord."""
        self.acquire()
        try:
            stream = self.stream
            stream.write(line + self.terminator)
            stream.flush()
        finally:
            self.release()


class _JsonFormatter(JsonFormatter):
    """python-json-logger's JSON for every line, and the request line built without a LogRecord."""

    def __init__(self) -> None:
        super().__init__(_LOG_FORMAT, rename_fields=_LOG_RENAMES)
        # json.dumps with an encoder class makes an encoder per line; this one is made once, with the same options.
        self._encode = JsonEncoder(ensure_ascii=self.json_ensure_ascii).encode
        # The function that encoder escapes each string with (C), called straight for the request line's strings.
        self._string = (
            json.encoder.encode_basestring_ascii if self.json_ensure_ascii else json.encoder.encode_basestring
        )
        self._second: tuple[int, str] = (-1, "")  # the last whole second formatted, and its text

    def _time(self, created: float) -> str:
        """``formatTime``'s text for ``created``, the date and time worked out once per second."""
        second = int(created)
        cached = self._second
        if cached[0] != second:
            cached = self._second = (second, time.strftime(self.default_time_format, self.converter(second)))
        msec_format = self.default_msec_format
        return msec_format % (cached[1], int((created - second) * 1000)) if msec_format else cached[1]

    def request_line(self, logger: str, request_id: str | None, fields: _RequestFields, created: float) -> str:
        """The line ``format`` makes of ``logger.info("request", extra=_request_fields(fields))`` logged at ``created``.

        Written out as the encoder writes that record's dict (its key order, ``", "`` and ``": "``, each
        string escaped by the encoder's own C function, the int and the finite float as their ``repr``),
        which spares the encoder's set-up and its walk over a dict on every request.
        """
        string = self._string
        method, path, status, duration_ms, endpoint = fields
        known = "null" if request_id is None else string(request_id)
        return (
            f'{{"time": {string(self._time(created))}, "level": "INFO", "logger": {string(logger)}, '
            f'"message": {string(REQUEST_MESSAGE)}, "request_id": {known}, "method": {string(method)}, '
            f'"path": {string(path)}, "status": {int.__repr__(status)}, "duration_ms": {float.__repr__(duration_ms)}, '
            f'"endpoint": {string(endpoint)}}}'
        )


def _request_fields(fields: _RequestFields) -> dict[str, Any]:
    """The request line's own fields, as ``extra`` for ``logging``."""
    return dict(zip(_REQUEST_FIELDS, fields, strict=True))


def _sole_handler(logger: logging.Logger) -> _JsonHandler | None:
    """The JSON handler, when it is the only place a record from ``logger`` would go and nothing would change it."""
    if logger.disabled or logger.filters:
        return None
    found = None
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if found is not None or not isinstance(handler, _JsonHandler):
                return None
            found = handler
        current = current.parent if current.propagate else None
    if (
        found is None
        or found.level > logging.INFO
        or not isinstance(found.formatter, _JsonFormatter)
        or len(found.filters) != 1
        or not isinstance(found.filters[0], RequestIdFilter)
    ):
        return None
    return found


_ID_BYTES = 16  # 32 hex characters, as ingress-nginx's own ids


def request_id_from(value: str | None) -> str:
    """The caller's id when it is well formed, else a fresh one."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return randomness.token_hex(_ID_BYTES)


class _Metrics:
    """The request counter and duration histogram, with each labelled child looked up once."""

    def __init__(self) -> None:
        self.requests = Counter("http_requests_total", "HTTP requests answered.", ["method", "endpoint", "status"])
        self.duration = Histogram(
            "http_request_duration_seconds", "Time to answer an HTTP request.", ["method", "endpoint"]
        )
        # Bounded as the series are: known methods, the app's endpoints, the statuses it answers with.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        key = (method, endpoint, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(method, endpoint, str(status)),
                self.duration.labels(method, endpoint),
            )
        children[0].inc()
        children[1].observe(seconds)


@functools.cache
def _metrics() -> _Metrics:
    """Created once per process: prometheus_client refuses a second metric of the same name."""
    return _Metrics()


def _configure_logging(app: Flask) -> None:
    handler = _JsonHandler()
    handler.setFormatter(_JsonFormatter())
    handler.addFilter(RequestIdFilter())
    # Flask's plain stderr handler would write every line a second time, unstructured.
    for old in [h for h in app.logger.handlers if isinstance(h, _JsonHandler) or h is default_handler]:
        app.logger.removeHandler(old)
    app.logger.addHandler(handler)
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)


def _start() -> None:
    # The objects behind Flask's proxies: an attribute read through a proxy costs several times more.
    state = g._get_current_object()
    environ = request._get_current_object().environ  # type: ignore[attr-defined]
    state.request_id = request_id_from(environ.get(REQUEST_ID_ENVIRON))
    state.request_started = time.perf_counter()


def _log_request(logger: logging.Logger, request_id: str | None, fields: _RequestFields) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _sole_handler(logger)
    if handler is None:
        logger.info(REQUEST_MESSAGE, extra=_request_fields(fields))
        return
    formatter: _JsonFormatter = handler.formatter  # type: ignore[assignment]  # checked by _sole_handler
    try:
        handler.write_line(formatter.request_line(logger.name, request_id, fields, time.time()))
    except Exception:  # as StreamHandler.emit: a log line that cannot be written never fails the request
        handler.handleError(logger.makeRecord(logger.name, logging.INFO, "", 0, REQUEST_MESSAGE, (), None))


def _finish(response: Response) -> Response:
    # One lookup through each of Flask's proxies, not one per use: on a small response they add up.
    state = g._get_current_object()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    current = request._get_current_object()  # type: ignore[attr-defined]
    started = state.get("request_started")
    duration = time.perf_counter() - started if started is not None else 0.0
    request_id = state.get("request_id")
    if request_id is None:  # answered before _start ran: made now, so the header and every log line agree
        request_id = state.request_id = request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    config = app.config
    method = current.method
    endpoint = current.endpoint or "unmatched"
    status = response.status_code
    if config["GOVUK_METRICS"]:
        # Any token is a valid method: label the unknown ones together, so no client can add series without end.
        _metrics().observe(method if method in HTTP_METHODS else "other", endpoint, status, duration)
    if config["GOVUK_REQUEST_LOG"]:
        # The path only: a query string can carry what a user typed.
        _log_request(app.logger, request_id, (method, current.path, status, round(duration * 1000, 2), endpoint))
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
