"""A local DynamoDB for `nox -s serve` and the bench: moto_server on loopback, always stopped afterwards."""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess  # nosec B404 - runs moto_server from the session's venv
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

# moto accepts any credentials; these keep boto3 from looking for real ones.
LOCAL_AWS = dict.fromkeys(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), "local")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM (a CI timeout) like Ctrl-C, so ``finally`` blocks run and the server is stopped."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def running(bin_dir: str, log_path: Path, port: int | None = None, timeout: float = 60) -> Iterator[dict[str, str]]:
    """Run ``bin_dir``'s moto_server for a ``with`` block and yield the environment that points boto3 at it.

    ``port`` None takes a free loopback port; a fixed one lets `aws dynamodb --endpoint-url` look in.
    The data lives in memory and goes with the server.
    """
    moto_server = shutil.which("moto_server", path=bin_dir)
    if moto_server is None:
        raise RuntimeError("moto_server is missing: install the test group (moto[server]) into this session")
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([moto_server, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)  # nosec
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"moto_server exited with {server.returncode} (port {port} busy?); see {log_path}")
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):  # nosec B310 - loopback http
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not answer on {url}; see {log_path}") from None
                time.sleep(0.2)
        yield {"DYNAMODB_ENDPOINT_URL": url, **LOCAL_AWS}
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
