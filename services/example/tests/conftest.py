"""Fixtures: a real moto server process over HTTP, and the app wired to it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from example_support import SECRET, csrf_token, valid_answers, warm_up
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from example import create_app
from example.journey import Question
from example.questions import QUESTIONS
from govuk_layout.testing.processes import LOCAL_AWS_ENV, ServerProcess, moto_server


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    """Dummy credentials, so boto3 never looks for real ones (and never reaches AWS)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in LOCAL_AWS_ENV.items():
            patch.setenv(name, value)
        for name in ("DYNAMODB_ENDPOINT_URL", "DYNAMODB_TABLE_NAME", "AWS_PROFILE", "GOVUK_ENVIRONMENT"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def moto(aws_env: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One moto_server for the session: DynamoDB over real HTTP."""
    with moto_server(tmp_path_factory.mktemp("moto")) as server:
        yield warm_up(server)


@pytest.fixture(scope="session")
def make_app(aws_env: None) -> Callable[..., Flask]:
    """An app on its own fresh table at ``endpoint``, created by the same code as ``flask create-table``."""

    def factory(
        endpoint: str, create_table: bool = True, questions: Sequence[Question] = QUESTIONS, **config: Any
    ) -> Flask:
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
            },
            questions,
        )
        if create_table:
            app.extensions["example.store"].create_table()
        return app

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask], moto: ServerProcess) -> Flask:
    return make_app(moto.url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def post_form(client: FlaskClient) -> Callable[..., TestResponse]:
    """Post ``data`` to ``path`` the way a browser does: with the CSRF token from the page."""

    def post(path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        with client.get(path) as page:
            assert page.status_code in (200, 400), f"GET {path} answered {page.status_code}"
            token = csrf_token(page.get_data(as_text=True))
        return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)

    return post


@pytest.fixture
def answer_all(post_form: Callable[..., TestResponse]) -> Callable[[], None]:
    """Answer every question validly, ending on check your answers."""

    def answer() -> None:
        for slug, data in valid_answers().items():
            with post_form(f"/request/{slug}", data) as response:
                assert response.status_code == 302, f"{slug}: {response.status_code}"

    return answer
