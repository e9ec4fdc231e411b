"""The Redis connections limits and sessions share, against a real Redis (plain and behind TLS): one round trip,
staying in step, recovery."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import requests
from flask import Flask, Response, session
from prometheus_client import REGISTRY

from govuk_layout import GovukLayout
from govuk_layout.limits import get_limiter
from govuk_layout.redis_client import SharedRedis, shared_redis
from govuk_layout.testing.processes import gunicorn


@pytest.fixture
def shared(redis_url: str) -> Iterator[SharedRedis]:
    made = SharedRedis(redis_url)
    yield made
    made.close()


def _key() -> str:
    return f"test-shared:{uuid.uuid4().hex}"


def _connection_id(shared: SharedRedis) -> int:
    (found,) = shared.call(("CLIENT", "ID"))
    return int(found)


def test_commands_sent_together_come_back_in_order_on_one_kept_connection(shared: SharedRedis) -> None:
    key = _key()
    assert shared.call(("SET", key, 1, "EX", 60), ("INCR", key), ("GETEX", key, "EX", 120)) == [b"OK", 2, b"2"]
    assert 60 < shared.client.ttl(key) <= 120
    assert _connection_id(shared) == _connection_id(shared)


def test_an_error_reply_is_raised_after_every_reply_is_read_so_the_next_call_is_not_out_of_step(
    shared: SharedRedis,
) -> None:
    key = _key()
    shared.call(("SET", key, "not a number"))
    with pytest.raises(redis.ResponseError, match="not an integer"):
        shared.call(("INCR", key), ("SET", key, "after"))
    assert shared.call(("GET", key)) == [b"after"]


def test_a_connection_redis_closed_is_replaced_at_once(shared: SharedRedis) -> None:
    """A Redis restart or fail-over closes kept connections: the next call retries on a new one."""
    key = _key()
    first = _connection_id(shared)
    shared.client.client_kill_filter(_id=first)
    assert shared.call(("INCR", key)) == [1]
    assert _connection_id(shared) != first


def test_nothing_listening_raises_the_connection_error_the_fallbacks_catch(shared: SharedRedis) -> None:
    from govuk_layout.testing.processes import free_port

    dead = SharedRedis(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(redis.ConnectionError):
        dead.call(("GET", _key()))
    dead.close()


def _fallbacks(store: str) -> float:
    return REGISTRY.get_sample_value("govuk_store_fallbacks_total", {"store": store}) or 0.0


def _answer_pages(app: Flask) -> None:
    """A page that stores an answer in the session, and one that shows it."""

    @app.post("/answer")
    def answer() -> str:
        session["answer"] = "kept"
        return "saved"

    @app.get("/read")
    def read() -> str:
        return str(session.get("answer", ""))


def served_app() -> Flask:
    """What each gunicorn worker loads below: the layout, configured from the environment, and the answer pages;
    each response names the worker that made it."""
    app = Flask("redis_under_gunicorn")
    app.config["WTF_CSRF_ENABLED"] = False  # the answer is posted without a form
    GovukLayout(app)
    _answer_pages(app)

    @app.after_request
    def worker(response: Response) -> Response:
        response.headers["X-Worker"] = str(os.getpid())
        return response

    return app


@pytest.fixture(params=["redis", "rediss"])
def url(request: pytest.FixtureRequest) -> str:
    """The test Redis, plain and over TLS (production's ``rediss://``): every test below runs on both."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def shared_app(make_app: Callable[..., Flask], url: str) -> Iterator[Flask]:
    """Limits (3 per hour) and sessions both in the test Redis, with a page that stores and shows an answer."""
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_DEFAULT="3 per hour",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        REDIS_URL=url,
        WTF_CSRF_ENABLED=False,
    )
    _answer_pages(app)
    yield app
    shared_redis(app, url).close()


def test_limits_and_sessions_share_one_client(shared_app: Flask, url: str) -> None:
    one = shared_redis(shared_app, url)
    assert get_limiter(shared_app).redis is one
    assert shared_app.session_interface.client is one.client  # type: ignore[attr-defined]


def test_after_redis_drops_every_connection_limits_and_sessions_carry_on_in_redis(shared_app: Flask, url: str) -> None:
    client = shared_app.test_client()
    assert client.post("/answer").status_code == 200
    before = (_fallbacks("session"), _fallbacks("ratelimit"))
    one = shared_redis(shared_app, url)
    one.client.client_kill_filter(_id=_connection_id(one))  # the connection kept after the request
    with client.get("/read") as response:
        assert response.get_data(as_text=True) == "kept"
    assert (_fallbacks("session"), _fallbacks("ratelimit")) == before
    # Counted in Redis throughout: three requests to the page this hour, the fourth refused.
    assert [client.get("/read").status_code for _ in range(3)] == [200, 200, 429]


def test_a_redis_that_forgot_the_limit_script_loads_it_again(shared_app: Flask, url: str) -> None:
    """A restarted or replaced Redis has no scripts: counting stays in Redis instead of falling back."""
    client = shared_app.test_client()
    before = _fallbacks("ratelimit")
    assert client.get("/").status_code == 200
    shared_redis(shared_app, url).client.script_flush()
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]
    assert _fallbacks("ratelimit") == before


def test_a_rediss_url_keeps_tls_connections(shared_app: Flask, url: str) -> None:
    """The kept connection is the URL's kind: production's rediss:// is read and written over TLS."""
    client = shared_app.test_client()
    assert client.post("/answer").status_code == 200
    (kept,) = shared_redis(shared_app, url)._idle
    assert isinstance(kept, redis.SSLConnection) == url.startswith("rediss://")
    assert client.get("/read").get_data(as_text=True) == "kept"


def test_over_tls_a_certificate_no_trusted_authority_signed_is_refused(rediss_url: str) -> None:
    """The test endpoint's authority is trusted only through the URL's ssl_ca_certs: without it, no connection."""
    untrusted = SharedRedis(rediss_url.partition("?")[0])
    with pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        untrusted.call(("PING",))
    untrusted.close()


def test_forked_gunicorn_workers_keep_sessions_and_count_limits_over_tls(
    gunicorn_env: dict[str, str], rediss_url: str, tmp_path: Path
) -> None:
    """The image's gunicorn (two forked workers) on production's rediss://: each worker makes its own TLS
    connections, reads the session the other wrote, and never falls back."""
    env = {**gunicorn_env, "REDIS_URL": rediss_url, "GOVUK_SECURE_COOKIES": "false"}  # plain http here
    args = ["--config", "python:govuk_layout.gunicorn_conf", "--chdir", str(Path(__file__).parent)]
    log = tmp_path / "gunicorn.log"
    with gunicorn("test_redis_client:served_app()", log, env=env, args=args, ready="/healthz") as server:
        saved = requests.post(server.url + "/answer", timeout=10)
        assert saved.status_code == 200
        # A new connection each: the kernel spreads them over both workers (one in 32,768 misses one).
        reads = [requests.get(server.url + "/read", cookies=saved.cookies, timeout=10) for _ in range(16)]
    assert [read.text for read in reads] == ["kept"] * 16
    assert len({read.headers["X-Worker"] for read in reads}) == 2
    assert "falling back" not in log.read_text()
