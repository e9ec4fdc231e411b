from __future__ import annotations

import pytest

from example import create_app
from govuk_layout import ConfigError
from govuk_layout.testing import TEST_CONFIG


def test_defaults_are_production_safe(aws_env: None) -> None:
    app = create_app(TEST_CONFIG)
    assert app.config["DYNAMODB_TABLE_NAME"] == "access-requests"
    assert app.config["DYNAMODB_ENDPOINT_URL"] is None  # boto3's default endpoint and credential chain
    assert app.config["DYNAMODB_REGION"] == "eu-west-2"
    assert app.config["REQUEST_RETENTION_DAYS"] == 180


def test_empty_endpoint_means_the_default(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", "")
    assert create_app(TEST_CONFIG).config["DYNAMODB_ENDPOINT_URL"] is None


def test_bad_values_are_refused_at_start_up(aws_env: None) -> None:
    with pytest.raises(ConfigError) as caught:
        create_app(
            {
                "SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
                "DYNAMODB_ENDPOINT_URL": "localhost:8000",
                "DYNAMODB_TABLE_NAME": "no spaces",
                "REQUEST_RETENTION_DAYS": 0,
                "DYNAMODB_REGION": "London",
            }
        )
    for key in ("DYNAMODB_ENDPOINT_URL", "DYNAMODB_TABLE_NAME", "REQUEST_RETENTION_DAYS", "DYNAMODB_REGION"):
        assert key in str(caught.value)
