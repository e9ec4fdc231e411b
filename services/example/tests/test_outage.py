"""DynamoDB down: the user sees the GOV.UK 503 page, keeps their answers, and can send after recovery."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from example_support import reference_on, table_items, warm_up
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from govuk_layout.testing.processes import ServerProcess, moto_server


@pytest.fixture
def dynamodb(aws_env: None, tmp_path: Path) -> Iterator[ServerProcess]:
    """A moto server of this test's own, so stopping it harms no other test."""
    with moto_server(tmp_path) as server:
        yield warm_up(server)


@pytest.fixture
def app(make_app: Callable[..., Flask], dynamodb: ServerProcess) -> Flask:
    return make_app(dynamodb.url)


def _assert_unavailable_page(response: TestResponse) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"  # browsers and clients know when to try again
    page = response.get_data(as_text=True)
    assert "<title>Sorry, the service is unavailable – " in page
    assert "Traceback" not in page


def test_outage_then_recovery(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    dynamodb: ServerProcess,
    answer_all: Callable[[], None],
    post_form: Callable[..., TestResponse],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert client.get("/readyz").status_code == 200
    answer_all()
    dynamodb.stop()

    with post_form("/request/check-answers") as sent:
        _assert_unavailable_page(sent)
    with client.get("/readyz") as ready:
        assert ready.status_code == 503
        assert ready.get_json() == {"status": "unavailable"}
    assert "not ready: dynamodb: dynamodb unreachable" in caplog.text
    with client.get("/healthz") as alive:
        assert alive.status_code == 200  # liveness never depends on DynamoDB
    with post_form("/status", {"reference": "RA-2345-6789"}) as lookup:
        _assert_unavailable_page(lookup)
    # The answers are still in the session.
    assert "Ada Lovelace" in client.get("/request/check-answers").get_data(as_text=True)

    warm_up(dynamodb.start().wait())  # a new, empty DynamoDB at the same address
    with client.get("/readyz") as ready:
        assert ready.status_code == 503
        assert ready.get_json() == {"status": "unavailable"}
    assert f"dynamodb: table {app.config['DYNAMODB_TABLE_NAME']} not found" in caplog.text
    assert runner.invoke(args=["create-table"]).exit_code == 0
    assert client.get("/readyz").status_code == 200

    with post_form("/request/check-answers") as sent:
        assert sent.headers["Location"] == "/request/confirmation"
    reference = reference_on(client.get("/request/confirmation").get_data(as_text=True))
    assert [item["reference"]["S"] for item in table_items(app)] == [reference]
