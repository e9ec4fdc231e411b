"""The private Poetry every session installs the root poetry.lock with, resolving through pip's own index."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess  # nosec B404 - runs pip and venv with fixed arguments
import sys
from pathlib import Path

POETRY = ("poetry==2.5.1", "poetry-plugin-pypi-mirror==0.6.5")


def index_url() -> str:
    """The simple index pip already uses here (PIP_INDEX_URL, pip's config, else PyPI's), never written down."""
    configured = os.environ.get("PIP_INDEX_URL")
    if not configured:
        result = subprocess.run(  # nosec B603
            [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
            capture_output=True,
            text=True,
            check=False,
        )
        configured = result.stdout.strip() if result.returncode == 0 else ""
    if configured:
        return configured
    from pip._internal.models.index import PyPI

    return str(PyPI.simple_url)


def poetry(venv: Path) -> list[str]:
    """A Poetry (with the mirror plugin) in ``venv``, made once and kept out of every session venv."""
    python = venv / "bin" / "python"
    venv.parent.mkdir(parents=True, exist_ok=True)
    # A lock, so parallel nox runs never use half a venv.
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "ready").exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # nosec B603
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *POETRY], check=True)  # nosec B603
            (venv / "ready").touch()
    return [str(python), "-m", "poetry"]


def env() -> dict[str, str]:
    """Poetry's environment: resolve through pip's index, and install into the venv it is given, never its own."""
    return {"POETRY_PYPI_MIRROR_URL": index_url(), "POETRY_VIRTUALENVS_CREATE": "false"}


def install_args(*groups: str) -> list[str]:
    """poetry install of the packages plus the given dependency groups, never the root project itself."""
    return ["install", "--no-interaction", "--no-root", "--only", ",".join(("main", *groups))]
