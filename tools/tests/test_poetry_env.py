"""tools/poetry_env.py: Poetry installs the lock's groups into the session venv, through pip's own index."""

from __future__ import annotations

import pytest

from tools import poetry_env


def test_install_takes_main_plus_the_named_groups_and_never_the_root() -> None:
    assert poetry_env.install_args() == ["install", "--no-interaction", "--no-root", "--only", "main"]
    assert poetry_env.install_args("test", "build")[-1] == "main,test,build"


def test_the_index_is_pips_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.invalid/simple")
    assert poetry_env.env() == {
        "POETRY_PYPI_MIRROR_URL": "https://index.invalid/simple",
        "POETRY_VIRTUALENVS_CREATE": "false",
    }
