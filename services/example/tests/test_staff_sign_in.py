"""Staff sign-in is config alone: point the GOVUK_OIDC_* keys at an identity provider (here a real one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import govuk_layout.testing.oidc as oidc
from example import create_app


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oidc.oidc_provider(tmp_path_factory.mktemp("oidc")) as url:
        yield url


def test_staff_sign_in_with_config_alone(issuer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVUK_ENVIRONMENT", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key-with-enough-length", **oidc.oidc_config(issuer)})
    client = app.test_client()
    assert oidc.sign_in(client).location == "/"
    start = client.get("/")
    assert start.status_code == 200
    assert "Sign out" in start.text and "Sam Staff" in start.text
