"""The service under test, started as `nox -s serve` starts it: moto_server for DynamoDB, then the app.

Each process is the shared harness's ``ServerProcess``: a free loopback port, and a log file that is
shown when it fails to start.
"""

from __future__ import annotations

import os
import subprocess  # nosec B404 - runs this repo's own flask command with fixed arguments
import sys
from pathlib import Path

from govuk_layout.testing.processes import LOCAL_AWS_ENV, ServerProcess, free_port

BIN = Path(sys.executable).parent
REGION = "eu-west-2"


def app_environment(dynamodb_url: str, table: str, **overrides: str) -> dict[str, str]:
    """The environment the app runs with: local DynamoDB, development mode, plus any overrides."""
    return {
        **os.environ,
        **LOCAL_AWS_ENV,
        "GOVUK_ENVIRONMENT": "development",
        "DYNAMODB_ENDPOINT_URL": dynamodb_url,
        "DYNAMODB_TABLE_NAME": table,
        "DYNAMODB_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        **overrides,
    }


def flask(*args: str) -> list[str]:
    return [str(BIN / "python"), "-m", "flask", "--app", "example:create_app", *args]


def create_table(env: dict[str, str]) -> None:
    result = subprocess.run(flask("create-table"), env=env, capture_output=True, text=True, timeout=60)  # nosec B603
    if result.returncode != 0:
        raise RuntimeError(f"flask create-table failed:\n{result.stdout}{result.stderr}")


def app_server(name: str, env: dict[str, str], logs: Path) -> ServerProcess:
    """The app under ``flask run`` on a free loopback port (not started yet)."""
    port = free_port()
    command = flask("run", "--host", "127.0.0.1", "--port", str(port), "--no-reload")
    return ServerProcess(name, command, port=port, log=logs / f"{name}.log", env=env)
