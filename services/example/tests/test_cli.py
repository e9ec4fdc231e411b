"""``flask --app example create-table``: the one way the table is made, safe to run again."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from govuk_layout.testing.processes import ServerProcess


def test_create_table_is_idempotent_and_enables_ttl(make_app: Callable[..., Flask], moto: ServerProcess) -> None:
    app: Flask = make_app(moto.url, create_table=False)
    runner: FlaskCliRunner = app.test_cli_runner()
    table = app.config["DYNAMODB_TABLE_NAME"]

    first = runner.invoke(args=["create-table"])
    assert first.exit_code == 0, first.output
    assert f"Created table {table} at {moto.url}" in first.output
    second = runner.invoke(args=["create-table"])
    assert second.exit_code == 0, second.output
    assert f"Found table {table}" in second.output

    client = boto3.client("dynamodb", region_name="eu-west-2", endpoint_url=moto.url)
    try:
        description = client.describe_table(TableName=table)["Table"]
        ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    finally:
        client.close()
    assert description["KeySchema"] == [{"AttributeName": "reference", "KeyType": "HASH"}]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "Expires"}


def test_create_table_reports_an_unreachable_endpoint_in_one_line(make_app: Callable[..., Flask]) -> None:
    app: Flask = make_app("http://127.0.0.1:9", create_table=False, DYNAMODB_MAX_ATTEMPTS=1)
    result = app.test_cli_runner().invoke(args=["create-table"])
    assert result.exit_code == 1
    assert "Error: cannot create table" in result.output
    assert "Traceback" not in result.output


def test_readyz_when_the_table_is_missing_then_made(
    make_app: Callable[..., Flask], moto: ServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    app: Flask = make_app(moto.url, create_table=False)
    client = app.test_client()
    with client.get("/readyz") as missing:
        assert missing.status_code == 503
        assert missing.get_json() == {"status": "unavailable"}  # why is for the logs only
    assert f"dynamodb: table {app.config['DYNAMODB_TABLE_NAME']} not found" in caplog.text
    app.test_cli_runner().invoke(args=["create-table"])
    with client.get("/readyz") as ready:
        assert ready.status_code == 200
        assert ready.get_json() == {"status": "ok"}
