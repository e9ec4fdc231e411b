from __future__ import annotations

import functools
import os
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from govuk_layout import GovukLayout
from govuk_layout.testing import TEST_CONFIG, FormClient, form_client, processes

BASE_CONFIG = {
    **TEST_CONFIG,
    "GOVUK_SERVICE_NAME": "Apply for a thing",
    "GOVUK_CONTACT_EMAIL": "team@justice.gov.uk",
    # These tests check GOV.UK's chrome; test_brand.py renders both brands.
    "GOVUK_BRAND": "govuk",
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
    """The app the plugin's ``client`` and ``runner`` fixtures use."""
    return make_app()


@pytest.fixture
def make_analytics_app(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """``make_app`` with analytics on: only then do the banner and the cookies page ask about analytics cookies."""
    return functools.partial(make_app, GOVUK_GOOGLE_ANALYTICS_ID="G-TEST1234")


@pytest.fixture
def analytics_client(make_analytics_app: Callable[..., Flask]) -> FormClient:
    return form_client(make_analytics_app())


@pytest.fixture(scope="session")
def gunicorn_env(redis_url: str) -> dict[str, str]:
    """The environment a real gunicorn serves the layout with in tests: production settings and a real Redis,
    and none of the caller's own GOVUK_, RATELIMIT_ or GUNICORN_ settings."""
    mine = ("GOVUK_", "RATELIMIT_", "GUNICORN_")
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(mine) and key != "FLASK_APP"},
        "GOVUK_ENVIRONMENT": "production",
        "GOVUK_SERVICE_NAME": "Apply for a thing",
        "GOVUK_CONTACT_EMAIL": "team@justice.gov.uk",
        "SECRET_KEY": "test-secret-key-with-enough-length",
        "REDIS_URL": redis_url,
    }


@pytest.fixture(scope="session")
def rediss_url(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test Redis over TLS only (``rediss://``), as Cloud Platform's ElastiCache takes connections."""
    with processes.rediss(tmp_path_factory.mktemp("rediss"), redis_url) as url:
        yield url


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A TCP server that accepts connections and never answers, like a Redis that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()
