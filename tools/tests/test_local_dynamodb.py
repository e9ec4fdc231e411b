"""tools/local_dynamodb.py against a real moto_server: it answers inside the block and is gone after it."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tools import local_dynamodb

BIN = str(Path(sys.executable).parent)


def test_moto_answers_inside_the_block_and_is_stopped_after_it(tmp_path: Path) -> None:
    with local_dynamodb.running(BIN, tmp_path / "moto.log") as env:
        url = env["DYNAMODB_ENDPOINT_URL"]
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=5) as response:
            assert response.status == 200
        assert {key: env[key] for key in local_dynamodb.LOCAL_AWS} == local_dynamodb.LOCAL_AWS
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/moto-api/", timeout=2)


def test_without_moto_server_it_says_what_to_install(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError, match="moto_server is missing"),
        local_dynamodb.running(str(tmp_path), tmp_path / "x.log"),
    ):
        pass
