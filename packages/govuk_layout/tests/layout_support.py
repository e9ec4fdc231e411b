"""Helpers for govuk-layout's tests: free ports, waiting for a process, Redis."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
import redis

INSTALL_REDIS = "no redis-server for the Redis tests: apt-get install redis-server (or set REDIS_URL)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not start within {timeout:.0f} s")


def redis_answers(url: str) -> bool:
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=1) as client:
            return bool(client.ping())
    except redis.ConnectionError:
        return False
