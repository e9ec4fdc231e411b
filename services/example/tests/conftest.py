"""Fixtures: a real moto server process over HTTP, and the app wired to it."""

from __future__ import annotations

import datetime
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from example import create_app

SECRET = "test-secret-key-with-enough-length"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MotoServer:
    """A ``moto_server`` process on a loopback port: DynamoDB over real HTTP."""

    def __init__(self, port: int | None = None) -> None:
        executable = shutil.which("moto_server", path=str(Path(sys.executable).parent))
        if executable is None:
            raise RuntimeError("moto_server is not installed: install the test group (moto[server])")
        self.executable = executable
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.executable, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                with requests.get(f"{self.url}/moto-api/", timeout=1) as response:
                    if response.ok:
                        return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"moto_server did not answer on {self.url}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    """Dummy credentials, so boto3 never looks for real ones (and never reaches AWS)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105 - moto accepts any key
            "AWS_SESSION_TOKEN": "testing",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }.items():
            patch.setenv(name, value)
        for name in ("DYNAMODB_ENDPOINT_URL", "DYNAMODB_TABLE_NAME", "AWS_PROFILE", "GOVUK_ENVIRONMENT"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def moto(aws_env: None) -> Iterator[MotoServer]:
    server = MotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_app(aws_env: None) -> Callable[..., Flask]:
    """An app on its own fresh table at ``endpoint``, created by the same code as ``flask create-table``."""

    def factory(endpoint: str, create_table: bool = True, **config: Any) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": SECRET,
                "DYNAMODB_ENDPOINT_URL": endpoint,
                "DYNAMODB_TABLE_NAME": f"test-{uuid.uuid4().hex}",
                "DYNAMODB_MAX_ATTEMPTS": 2,
                "DYNAMODB_CONNECT_TIMEOUT": 1,
                "DYNAMODB_READ_TIMEOUT": 2,
                **config,
            }
        )
        if create_table:
            app.extensions["example.store"].create_table()
        return app

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask], moto: MotoServer) -> Flask:
    return make_app(moto.url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def post_form(client: FlaskClient) -> Callable[..., TestResponse]:
    """Post ``data`` to ``path`` the way a browser does: with the CSRF token from the page."""

    def post(path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        with client.get(path) as page:
            assert page.status_code in (200, 400), f"GET {path} answered {page.status_code}"
            token = csrf_token(page.get_data(as_text=True))
        return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)

    return post


def future_date(days: int = 30) -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=days)


def valid_answers() -> dict[str, dict[str, Any]]:
    """Form data that passes every question, by page slug."""
    start = future_date()
    return {
        "full-name": {"full_name": "Ada Lovelace"},
        "email": {"email": "ada.lovelace@digital.justice.gov.uk"},
        "organisation": {"organisation": "moj-analytical-services"},
        "reason": {"reason": "I maintain the analytical platform's data pipelines."},
        "start-date": {"start_date": [str(start.day), str(start.month), str(start.year)]},
    }


@pytest.fixture
def answer_all(post_form: Callable[..., TestResponse]) -> Callable[[], None]:
    """Answer every question validly, ending on check your answers."""

    def answer() -> None:
        for slug, data in valid_answers().items():
            with post_form(f"/request/{slug}", data) as response:
                assert response.status_code == 302, f"{slug}: {response.status_code}"

    return answer


def table_items(app: Flask) -> list[dict[str, Any]]:
    """Every item in the app's table, read straight from the endpoint (not through the app's code)."""
    config = app.config
    client = boto3.client(
        "dynamodb", region_name=config["DYNAMODB_REGION"], endpoint_url=config["DYNAMODB_ENDPOINT_URL"]
    )
    try:
        return list(client.scan(TableName=config["DYNAMODB_TABLE_NAME"], ConsistentRead=True)["Items"])
    finally:
        client.close()


def reference_on(html: str) -> str:
    match = re.search(r'id="reference">([^<]+)<', html)
    assert match, "the page shows no reference"
    return match.group(1)
