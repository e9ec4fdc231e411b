"""Rate limits: the GOV.UK 429 page with Retry-After, exemptions, and counters shared through a real Redis."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from govuk_layout import ConfigError, GovukLayout
from govuk_layout.limits import get_limiter
from govuk_layout.testing.processes import free_port, gunicorn

HEADING = "Sorry, there have been too many attempts to use this service"


@pytest.fixture
def limited(make_app: Callable[..., Flask]) -> Iterator[Callable[..., Flask]]:
    """Apps with limits switched on; their Redis connections are closed afterwards."""
    made: list[Flask] = []

    def factory(**config: object) -> Flask:
        app = make_app(**{"RATELIMIT_ENABLED": True, **config})
        made.append(app)
        return app

    yield factory
    for app in made:
        if app.config["RATELIMIT_ENABLED"] and not app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
            get_limiter(app).storage.storage.close()


def _get(client: FlaskClient, path: str = "/") -> int:
    with client.get(path) as response:
        return response.status_code


def test_over_the_limit_gets_the_govuk_429_page_with_retry_after(limited: Callable[..., Flask]) -> None:
    client = limited(RATELIMIT_DEFAULT="3 per minute").test_client()
    assert [_get(client) for _ in range(3)] == [200, 200, 200]
    with client.get("/", base_url="https://localhost") as response:
        assert response.status_code == 429
        html = response.get_data(as_text=True)
        retry_after = int(response.headers["Retry-After"])
        assert "Content-Security-Policy" in response.headers
    assert 1 <= retry_after <= 60
    assert f"<title>{HEADING} – Apply for a thing – GOV.UK</title>" in html
    assert "govuk-footer" in html


def test_limits_are_per_client_address(limited: Callable[..., Flask]) -> None:
    client = limited(RATELIMIT_DEFAULT="1 per minute").test_client()
    assert _get(client) == 200
    assert _get(client) == 429
    # Through the ingress, each user is their own X-Forwarded-For address.
    with client.get("/", headers={"X-Forwarded-For": "198.51.100.7"}) as response:
        assert response.status_code == 200


def test_health_probes_and_static_files_are_never_limited(limited: Callable[..., Flask]) -> None:
    client = limited(RATELIMIT_DEFAULT="1 per minute").test_client()
    for _ in range(4):
        assert _get(client, "/healthz") == 200
        assert _get(client, "/readyz") == 200
        assert _get(client, "/assets/govuk-frontend.min.css") == 200
    assert _get(client) == 200
    assert _get(client) == 429


def test_exempt_blueprints_count_whenever_they_are_registered(limited: Callable[..., Flask]) -> None:
    app = limited(RATELIMIT_DEFAULT="1 per minute", GOVUK_RATELIMIT_EXEMPT_BLUEPRINTS=["probes"])
    probes, pages = Blueprint("probes", __name__), Blueprint("pages", __name__)
    probes.add_url_rule("/probe", "probe", lambda: "ok")
    pages.add_url_rule("/page", "page", lambda: "ok")
    app.register_blueprint(probes)  # after GovukLayout
    app.register_blueprint(pages)
    client = app.test_client()
    assert [_get(client, "/probe") for _ in range(3)] == [200, 200, 200]
    assert [_get(client, "/page") for _ in range(2)] == [200, 429]


def test_limits_can_be_switched_off(limited: Callable[..., Flask]) -> None:
    client = limited(RATELIMIT_ENABLED=False, RATELIMIT_DEFAULT="1 per minute").test_client()
    assert {_get(client) for _ in range(5)} == {200}


def test_production_refuses_to_start_without_redis(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(ConfigError, match=r"REDIS_URL .* is required when GOVUK_ENVIRONMENT is production"):
        make_app(TESTING=False)


@pytest.mark.parametrize(
    ("key", "value"),
    [("RATELIMIT_DEFAULT", "lots"), ("REDIS_URL", "http://cache:6379"), ("RATELIMIT_STORAGE_URI", "mongodb://x")],
)
def test_bad_limit_settings_are_refused_at_start_up(make_app: Callable[..., Flask], key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        make_app(**{key: value})


def test_production_counts_in_redis_shared_by_every_app_instance(limited: Callable[..., Flask], redis_url: str) -> None:
    """Two app instances stand in for two replicas: the second sees the first's count."""
    config = {"TESTING": False, "REDIS_URL": redis_url, "RATELIMIT_DEFAULT": "2 per hour"}
    prefix = f"test-{uuid.uuid4().hex}"
    first = limited(**config, RATELIMIT_KEY_PREFIX=prefix).test_client()
    second = limited(**config, RATELIMIT_KEY_PREFIX=prefix).test_client()
    assert [_get(first), _get(second)] == [200, 200]
    assert [_get(first), _get(second)] == [429, 429]
    with redis.Redis.from_url(redis_url) as store:
        assert store.keys(f"*{prefix}*")


def _script_calls(store: redis.Redis) -> int:
    stats = store.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "eval"))


def test_a_busy_address_is_counted_in_batches_and_never_gets_past_the_limit(
    limited: Callable[..., Flask], redis_url: str
) -> None:
    """Two app instances (two workers) share one address's window in Redis."""
    config = {"TESTING": False, "REDIS_URL": redis_url, "RATELIMIT_DEFAULT": "200 per hour"}
    prefix = f"test-{uuid.uuid4().hex}"
    first = limited(**config, RATELIMIT_KEY_PREFIX=prefix).test_client()
    second = limited(**config, RATELIMIT_KEY_PREFIX=prefix).test_client()
    with redis.Redis.from_url(redis_url) as store:
        # A visitor's few requests are counted one at a time, as they come.
        assert [_get(first) for _ in range(5)] == [200] * 5
        (key,) = store.keys(f"*{prefix}*")
        assert int(store.get(key) or 0) == 5
        # A busy address: counts are taken from Redis ahead of its requests, so most need no round trip.
        calls = _script_calls(store)
        assert [_get(first) for _ in range(95)] == [200] * 95
        assert _script_calls(store) - calls < 30
        assert 100 < int(store.get(key) or 0) <= 200
    # Both go on until both are refused: exactly the limit got through, counts taken ahead included.
    statuses = [_get(client) for _ in range(150) for client in (second, first)]
    assert statuses.count(200) == 100
    assert statuses[-2:] == [429, 429]


def test_counts_taken_ahead_end_with_their_window(limited: Callable[..., Flask], redis_url: str) -> None:
    config = {"TESTING": False, "REDIS_URL": redis_url, "RATELIMIT_DEFAULT": "1000 per 3 seconds"}
    prefix = f"test-{uuid.uuid4().hex}"
    client = limited(**config, RATELIMIT_KEY_PREFIX=prefix).test_client()
    with redis.Redis.from_url(redis_url) as store:
        assert [_get(client) for _ in range(20)] == [200] * 20
        (key,) = store.keys(f"*{prefix}*")
        assert int(store.get(key) or 0) > 20  # counts taken ahead, some unused
        deadline = time.monotonic() + 10
        while store.exists(key):
            assert time.monotonic() < deadline, "the window should have ended"
            time.sleep(0.1)
        # The new window starts from this request alone: what was left of the last one is not carried over.
        assert _get(client) == 200
        assert int(store.get(key) or 0) == 1


def _fallbacks() -> float:
    return REGISTRY.get_sample_value("govuk_store_fallbacks_total", {"store": "ratelimit"}) or 0.0


def test_a_redis_outage_does_not_take_the_service_down_and_is_not_silent(
    limited: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    client = limited(RATELIMIT_STORAGE_URI=dead, RATELIMIT_DEFAULT="2 per minute").test_client()
    before = _fallbacks()
    # Counting carries on in the process's memory until Redis is back, for pages and unrouted paths alike.
    with caplog.at_level(logging.WARNING):
        assert [_get(client) for _ in range(3)] == [200, 200, 429]
        assert _get(client, "/nope") == 404
    # The pentest saw no log line and no metric: now each fall back is a warning and counted.
    assert _fallbacks() > before
    assert any("ratelimit store unreachable" in record.getMessage() for record in caplog.records)
    # A documented choice: readiness leaves Redis out (fallbacks.py says why).
    assert _get(client, "/readyz") == 200


def test_a_redis_that_never_answers_costs_a_short_timeout_then_counting_falls_back(
    limited: Callable[..., Flask], silent_redis: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = limited(RATELIMIT_STORAGE_URI=silent_redis, RATELIMIT_DEFAULT="2 per minute")
    # The pentest's hanging Redis added about 2 s to each request: the store gives up at the short timeout.
    options = get_limiter(app).storage.storage.connection_pool.connection_kwargs  # type: ignore[attr-defined]
    assert options["socket_timeout"] <= 0.25 and options["socket_connect_timeout"] <= 0.25
    before = _fallbacks()
    with caplog.at_level(logging.WARNING):
        assert [_get(app.test_client()) for _ in range(3)] == [200, 200, 429]
    assert _fallbacks() == before + 1  # then the memory fall back serves until the store is tried again
    assert any("ratelimit store unreachable" in record.getMessage() for record in caplog.records)


def gunicorn_app() -> Flask:
    """What each gunicorn worker loads: the layout, configured from the environment, and a page naming its worker."""
    app = Flask("limits_under_gunicorn")
    GovukLayout(app)

    def worker() -> str:
        time.sleep(0.3)  # keeps this worker busy, so a concurrent request is served by the other one
        return str(os.getpid())

    app.add_url_rule("/worker", view_func=worker)
    probe = Blueprint("probe", __name__)  # exempt from limits: only for seeing both workers are up
    probe.add_url_rule("/probe", view_func=worker)
    app.register_blueprint(probe)
    return app


def _both_workers_answer(url: str) -> bool:
    def pid(_: int) -> str:
        with requests.get(f"{url}/probe", timeout=10) as response:
            return response.text

    with ThreadPoolExecutor(max_workers=2) as pool:
        return len(set(pool.map(pid, range(2)))) == 2


@pytest.fixture
def gunicorn_url(gunicorn_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The tiny app under real gunicorn: two sync workers, production settings, counters in Redis."""
    prefix = f"test-{uuid.uuid4().hex}"
    env = {
        **gunicorn_env,
        "RATELIMIT_DEFAULT": "6 per hour",
        "RATELIMIT_KEY_PREFIX": prefix,
        "GOVUK_RATELIMIT_EXEMPT_BLUEPRINTS": '["govuk_health", "probe"]',
    }
    args = ["--workers", "2", "--chdir", str(Path(__file__).parent)]
    server = gunicorn("test_limits:gunicorn_app()", tmp_path / "gunicorn.log", env=env, args=args, ready="/healthz")
    with server:
        deadline = time.monotonic() + 20
        while not _both_workers_answer(server.url):
            assert time.monotonic() < deadline, f"gunicorn's second worker did not start:\n{server.tail()}"
        yield server.url, prefix


def test_the_limit_holds_across_two_gunicorn_workers_sharing_redis(
    gunicorn_url: tuple[str, str], redis_url: str
) -> None:
    url, prefix = gunicorn_url

    def fetch(_: int) -> tuple[int, str, str | None]:
        with requests.get(f"{url}/worker", timeout=10) as response:
            return response.status_code, response.text, response.headers.get("Retry-After")

    # Two at a time, so both workers serve: six allowed in all, not six per worker.
    with ThreadPoolExecutor(max_workers=2) as pool:
        allowed = list(pool.map(fetch, range(6)))
    assert [status for status, _, _ in allowed] == [200] * 6
    assert len({pid for _, pid, _ in allowed}) == 2, "both workers should have served requests"
    with ThreadPoolExecutor(max_workers=2) as pool:
        refused = list(pool.map(fetch, range(2)))
    for status, html, retry_after in refused:
        assert status == 429
        assert HEADING in html
        assert retry_after is not None and 1 <= int(retry_after) <= 3600
    with redis.Redis.from_url(redis_url) as store:
        assert store.keys(f"*{prefix}*"), "the counters should live in Redis"
