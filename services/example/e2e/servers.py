"""The service under test, started as `nox -s serve` starts it: moto_server for DynamoDB, then the app.

Each process runs on a free loopback port and logs to a file that is shown when it fails to start.
"""

from __future__ import annotations

import os
import socket
import subprocess  # nosec B404 - starts this repo's own servers with fixed arguments
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
REGION = "eu-west-2"


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a child to stop, and make sure it has within ten seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One child process serving HTTP on a loopback port."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def wait(self, path: str = "/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5):  # nosec B310 - loopback http URL
                    return
            except urllib.error.HTTPError:
                return  # it answered, which is all "up" means
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.tail()}")

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])

    def stop(self) -> None:
        stop_process(self.process)


def _start(name: str, args: list[str], port: int, logs: Path, env: dict[str, str] | None = None) -> Server:
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)  # nosec B603
    return Server(name, process, f"http://127.0.0.1:{port}", log)


def start_moto(logs: Path) -> Server:
    port = free_port()
    server = _start("moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], port, logs)
    server.wait("/moto-api/")
    return server


def app_environment(dynamodb_url: str, table: str, **overrides: str) -> dict[str, str]:
    """The environment the app runs with: local DynamoDB, development mode, plus any overrides."""
    return {
        **os.environ,
        "GOVUK_ENVIRONMENT": "development",
        "DYNAMODB_ENDPOINT_URL": dynamodb_url,
        "DYNAMODB_TABLE_NAME": table,
        "DYNAMODB_REGION": REGION,
        # moto accepts any credentials; these only stop boto3 searching for real ones.
        "AWS_ACCESS_KEY_ID": "e2e",
        "AWS_SECRET_ACCESS_KEY": "e2e",  # nosec B105 - not a secret
        "AWS_DEFAULT_REGION": REGION,
        **overrides,
    }


def flask(*args: str) -> list[str]:
    return [str(BIN / "python"), "-m", "flask", "--app", "example:create_app", *args]


def create_table(env: dict[str, str]) -> None:
    result = subprocess.run(flask("create-table"), env=env, capture_output=True, text=True, timeout=60)  # nosec B603
    if result.returncode != 0:
        raise RuntimeError(f"flask create-table failed:\n{result.stdout}{result.stderr}")


def start_app(name: str, env: dict[str, str], logs: Path) -> Server:
    port = free_port()
    server = _start(name, flask("run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"), port, logs, env)
    server.wait()
    return server
