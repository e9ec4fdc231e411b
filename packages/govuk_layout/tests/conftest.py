from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from layout_support import INSTALL_REDIS, free_port, redis_answers, wait_for

from govuk_layout import GovukLayout

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-with-enough-length",
    "GOVUK_SERVICE_NAME": "Apply for a thing",
    "GOVUK_CONTACT_EMAIL": "team@justice.gov.uk",
}


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Flask]:
    """A bare Flask app with only govuk-layout, as a team outside this repo would have."""
    for key in ("GOVUK_SERVICE_NAME", "GOVUK_CONTACT_EMAIL", "GOVUK_PHASE", "GOVUK_ENVIRONMENT", "SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)

    def factory(**config: Any) -> Flask:
        app = Flask("bare_app")
        app.config.update({**BASE_CONFIG, **config})
        GovukLayout(app)

        @app.get("/")
        def home() -> str:
            return "home"

        @app.get("/boom")
        def boom() -> str:
            raise RuntimeError("unexpected")

        return app

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """CI's Redis (REDIS_URL), else a redis-server of our own on a free loopback port; never a skip."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(INSTALL_REDIS, pytrace=False)
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(  # nosec B603 - a fixed argument list
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_for(lambda: redis_answers(url), "redis-server")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
