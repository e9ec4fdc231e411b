"""Fixtures: a real moto server process over HTTP, and the app wired to it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from example_support import valid_answers, warm_up
from flask import Flask
from werkzeug.test import TestResponse

from example import create_app
from example.journey import Question
from example.questions import QUESTIONS
from govuk_layout.testing import TEST_CONFIG, FormClient
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
                **TEST_CONFIG,
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
    """The app the plugin's ``client`` and ``runner`` fixtures use."""
    return make_app(moto.url)


@pytest.fixture
def post_form(client: FormClient) -> Callable[..., TestResponse]:
    """The plugin's ``client.post_form``: post ``data`` with the CSRF token from the page, as a browser does."""
    return client.post_form


@pytest.fixture
def answer_all(post_form: Callable[..., TestResponse]) -> Callable[[], None]:
    """Answer every question validly, ending on check your answers."""

    def answer() -> None:
        for slug, data in valid_answers().items():
            with post_form(f"/request/{slug}", data) as response:
                assert response.status_code == 302, f"{slug}: {response.status_code}"

    return answer
