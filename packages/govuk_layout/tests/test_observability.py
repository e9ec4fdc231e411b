from __future__ import annotations

import json
import logging
import os
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask, abort, g
from prometheus_client import REGISTRY

from govuk_layout import ConfigError, observability
from govuk_layout.testing.processes import free_port


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _request_lines(output: str) -> list[dict[str, object]]:
    return [line for line in _lines(output) if line.get("message") == "request"]


def test_a_well_formed_request_id_from_the_ingress_is_kept_and_returned(client, capsys) -> None:
    response = client.get("/", headers={"X-Request-Id": "0123456789abcdef0123456789abcdef"})
    response.close()
    assert response.headers["X-Request-Id"] == "0123456789abcdef0123456789abcdef"
    (line,) = _request_lines(capsys.readouterr().out)
    assert line["request_id"] == "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("given", ["", "short", "x" * 129, "bad id with spaces", "<script>alert(1)</script>", "a\nb"])
def test_a_missing_or_malformed_request_id_is_replaced(client, capsys, given: str) -> None:
    response = client.get("/", headers={"X-Request-Id": given} if "\n" not in given else {})
    response.close()
    returned = response.headers["X-Request-Id"]
    assert returned != given
    assert len(returned) == 32 and int(returned, 16) >= 0
    (line,) = _request_lines(capsys.readouterr().out)
    assert line["request_id"] == returned


def test_each_request_gets_its_own_id(client) -> None:
    ids = set()
    for _ in range(3):
        response = client.get("/")
        response.close()
        ids.add(response.headers["X-Request-Id"])
    assert len(ids) == 3


def test_one_json_line_per_request_with_method_path_status_and_duration(client, capsys) -> None:
    response = client.get("/nowhere?email=someone@example.com")
    response.close()
    (line,) = _request_lines(capsys.readouterr().out)
    assert line["method"] == "GET"
    assert line["path"] == "/nowhere"  # never the query string, which can carry what a user typed
    assert line["status"] == 404
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO"


def test_the_500_page_and_the_error_log_line_carry_the_same_request_id(client, capsys) -> None:
    response = client.get("/boom", headers={"X-Request-Id": "req-1234-abcd"})
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 500
    assert "req-1234-abcd" in body
    lines = _lines(capsys.readouterr().out)
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert errors and all(line["request_id"] == "req-1234-abcd" for line in errors)
    assert _request_lines("\n".join(json.dumps(line) for line in lines))[0]["status"] == 500


def test_a_request_answered_before_the_request_id_hook_logs_the_id_it_returns(
    make_app: Callable[..., Flask], capsys
) -> None:
    app = make_app()

    @app.url_value_preprocessor  # runs before every before_request hook, so the id was never made
    def refuse(endpoint: str | None, values: dict[str, object] | None) -> None:
        abort(403)

    with app.test_client() as client:
        response = client.get("/")
        response.close()
    assert response.status_code == 403
    (line,) = _request_lines(capsys.readouterr().out)
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


def test_the_request_id_is_in_g_for_views(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.get("/whoami")
    def whoami() -> str:
        return str(g.request_id)

    with app.test_client() as client:
        response = client.get("/whoami", headers={"X-Request-Id": "trace-0000-1111"})
        assert response.get_data(as_text=True) == "trace-0000-1111"
        response.close()


def test_log_lines_outside_a_request_have_a_null_request_id(app: Flask, capsys) -> None:
    app.logger.warning("starting up")
    (line,) = _lines(capsys.readouterr().out)
    assert line["message"] == "starting up" and line["request_id"] is None


def test_setting_up_an_app_twice_does_not_double_its_log_lines(make_app: Callable[..., Flask], capsys) -> None:
    make_app()
    app = make_app()
    app.logger.info("once")
    assert [line["message"] for line in _lines(capsys.readouterr().out)] == ["once"]


def test_json_logs_replace_flasks_plain_stderr_line(make_app: Callable[..., Flask], capsys) -> None:
    make_app().logger.warning("only as json")
    captured = capsys.readouterr()
    assert [line["message"] for line in _lines(captured.out)] == ["only as json"]
    assert "only as json" not in captured.err


def test_invalid_switch_is_a_config_error(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="GOVUK_METRICS"):
        make_app(GOVUK_METRICS="sometimes")


def test_request_logs_and_json_can_be_switched_off(make_app: Callable[..., Flask], capsys) -> None:
    app = make_app(GOVUK_REQUEST_LOG=False, GOVUK_JSON_LOGS="false")
    with app.test_client() as client:
        response = client.get("/")
        response.close()
    assert response.headers["X-Request-Id"]
    assert _lines(capsys.readouterr().out) == []


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_requests_per_endpoint_not_per_path(client) -> None:
    labels = {"method": "GET", "endpoint": "unmatched", "status": "404"}
    before = _sample("http_requests_total", labels)
    for path in ("/a", "/b", "/c"):
        client.get(path).close()
    assert _sample("http_requests_total", labels) == before + 3
    assert _sample("http_request_duration_seconds_count", {"method": "GET", "endpoint": "unmatched"}) >= 3


def test_metrics_can_be_switched_off(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_METRICS=False)
    labels = {"method": "GET", "endpoint": "home", "status": "200"}
    before = _sample("http_requests_total", labels)
    with app.test_client() as client:
        client.get("/").close()
    assert _sample("http_requests_total", labels) == before


def test_gunicorn_hooks_serve_every_workers_metrics_on_their_own_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "stale.db").write_bytes(b"left over from a previous run")
    port = free_port()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    monkeypatch.setenv("METRICS_PORT", str(port))
    server = SimpleNamespace(log=logging.getLogger("test.gunicorn"))
    observability.gunicorn_on_starting(server)
    assert list(directory.iterdir()) == []
    # A worker's counter, written the way prometheus_client's multiprocess mode writes it.
    from prometheus_client import values

    monkeypatch.setattr(values, "ValueClass", values.MultiProcessValue(lambda: 4242))
    from prometheus_client import CollectorRegistry, Counter

    Counter("worker_requests_total", "test", registry=CollectorRegistry()).inc(7)
    observability.gunicorn_when_ready(server)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert "worker_requests_total 7.0" in text
    observability.gunicorn_child_exit(server, SimpleNamespace(pid=4242))
    assert os.path.isdir(directory)


# Values a request can bring: quotes, backslashes, non-ASCII, control characters, JSON-looking text.
_AWKWARD_FIELDS = [
    ("GET", "/caf\u00e9", 404, 1.25, "unmatched"),
    ("GET", '/a"b\\c/\u00e9\u00e8/\u2603/\U0001f600/\x00\x01\x1f\x7f/\t\n\r/\u2028\u2029', 200, 0.0, "home"),
    ("PATCH", '/"},{"level": "ERROR', 500, 123456.78, 'a "quoted" \\ endpoint'),
    ("M\u00c9THOD", "/\ufffd\ud800", 429, 1e-05, "\u00e9ndpoint"),
    ("OPTIONS", "/" + "x" * 4000, 301, 1e16, "static"),
]


@pytest.mark.parametrize("request_id", ["0123456789abcdef", 'id"with\\quote\u00e9\n', None])
@pytest.mark.parametrize("values", _AWKWARD_FIELDS)
def test_the_request_line_built_without_a_log_record_is_the_one_logging_writes(
    app: Flask, request_id: str | None, values: tuple[str, str, int, float, str]
) -> None:
    (handler,) = [h for h in app.logger.handlers if isinstance(h, logging.StreamHandler)]
    formatter = handler.formatter
    assert isinstance(formatter, observability._JsonFormatter)
    fields = observability._request_fields(values)
    for logger_name in (app.logger.name, 'odd "logger" \u00e9\\'):
        for created in (1764466200.25, 1764466201.999, 1764466260.0):
            record = app.logger.makeRecord(logger_name, logging.INFO, "", 0, "request", (), None, extra=fields)
            record.created, record.msecs = created, float(int((created - int(created)) * 1000))
            record.request_id = request_id
            expected = formatter.format(record)  # python-json-logger's own line
            assert formatter.request_line(logger_name, request_id, values, created) == expected
            assert json.loads(expected)["path"] == values[1]


def test_with_only_the_json_handler_the_request_line_is_written_straight_to_stdout(
    app: Flask, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # pytest's own capture handlers, as under gunicorn
    assert observability._sole_handler(app.logger) is not None
    monkeypatch.setattr(logging.Logger, "makeRecord", lambda *args, **kwargs: pytest.fail("a LogRecord was made"))
    with app.test_client() as client:
        client.get("/nowhere", headers={"X-Request-Id": "0123456789abcdef0123456789abcdef"}).close()
    (line,) = _request_lines(capsys.readouterr().out)
    assert list(line) == ["time", "level", "logger", "message", "request_id", "method", "path", "status",
                          "duration_ms", "endpoint"]  # fmt: skip
    assert line["request_id"] == "0123456789abcdef0123456789abcdef"
    assert (line["method"], line["path"], line["status"], line["endpoint"]) == ("GET", "/nowhere", 404, "unmatched")


def test_a_path_with_quotes_backslashes_and_control_characters_is_one_escaped_json_line(
    app: Flask, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # the line written straight to stdout, as under gunicorn
    with app.test_client() as client:
        client.get("/a%22b%5Cc%C3%A9%E2%98%83%01%0A%7B").close()
    output = capsys.readouterr().out
    (raw,) = [line for line in output.splitlines() if '"message": "request"' in line]
    assert raw.isascii()  # non-ASCII and control characters escaped, as python-json-logger writes them
    assert json.loads(raw)["path"] == '/a"b\\c\u00e9\u2603\x01\n{'


def test_any_other_handler_still_gets_the_request_record(app: Flask, capsys, monkeypatch) -> None:
    seen: list[logging.LogRecord] = []
    other = logging.Handler()
    other.emit = seen.append  # type: ignore[method-assign]
    monkeypatch.setattr(logging.getLogger(), "handlers", [other])
    assert observability._sole_handler(app.logger) is None
    with app.test_client() as client:
        client.get("/nowhere").close()
    (record,) = [record for record in seen if record.getMessage() == "request"]
    assert record.path == "/nowhere" and record.status == 404  # type: ignore[attr-defined]
    (line,) = _request_lines(capsys.readouterr().out)
    assert line["request_id"] == record.request_id  # type: ignore[attr-defined]


def test_a_views_own_request_id_header_gives_way_to_the_requests(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.get("/own-id")
    def own_id() -> tuple[str, dict[str, str]]:
        return "x", {"X-Request-Id": "the view's own"}

    response = app.test_client().get("/own-id", headers={"X-Request-Id": "0123456789abcdef0123456789abcdef"})
    assert response.headers.getlist("X-Request-Id") == ["0123456789abcdef0123456789abcdef"]
