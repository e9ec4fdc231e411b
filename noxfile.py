"""The one entry point: serve, test, lint, build, render charts, benchmark and deploy.

Plain ``nox`` runs what CI runs. Every session installs from the root poetry.lock.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
BUILD = ROOT / "build"
PYTHON = "3.11"
POETRY = ("poetry==2.5.1", "poetry-plugin-pypi-mirror==0.6.5")
LAYOUT = ROOT / "packages" / "govuk_layout"
SERVICES = ROOT / "services"
TEST_PATHS = ("packages/govuk_layout/tests", "services/example/tests")

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "tests"]


def _index_url() -> str:
    """The simple index pip already uses here, so Poetry resolves through the same place."""
    configured = os.environ.get("PIP_INDEX_URL")
    if not configured:
        result = subprocess.run(
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


def _poetry() -> list[str]:
    """A private Poetry (with the mirror plugin), created once and kept out of every session venv."""
    venv = ROOT / ".nox" / "_poetry"
    python = venv / "bin" / "python"
    venv.parent.mkdir(parents=True, exist_ok=True)
    # A lock, so parallel nox runs never use half a venv.
    with open(venv.parent / "_poetry.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "ready").exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *POETRY], check=True)
            (venv / "ready").touch()
    return [str(python), "-m", "poetry"]


def _install(session: nox.Session, *groups: str) -> None:
    """Install the locked environment (the packages plus the given dependency groups) into the session."""
    args = ["install", "--no-interaction", "--no-root"]
    if groups:
        args += ["--only", ",".join(("main", *groups))]
    else:
        args += ["--only", "main"]
    session.run(
        *_poetry(),
        *args,
        external=True,
        env={
            "VIRTUAL_ENV": str(session.virtualenv.location),
            "POETRY_VIRTUALENVS_CREATE": "false",
            "POETRY_PYPI_MIRROR_URL": _index_url(),
        },
    )


def _assets(session: nox.Session) -> None:
    session.run("python", "-m", "govuk_layout", "assets")


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """Run the example service at http://127.0.0.1:1551 with reload."""
    _install(session)
    _assets(session)
    session.run(
        "flask",
        "--app",
        "example:create_app",
        "run",
        "--debug",
        "--host",
        "127.0.0.1",
        "--port",
        "1551",
        *session.posargs,
        env={"GOVUK_ENVIRONMENT": "development"},
    )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run pytest for every package, integration tests included."""
    _install(session, "test")
    _assets(session)
    session.run("pytest", *(session.posargs or TEST_PATHS))


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Run every pre-commit hook on every file."""
    _install(session, "lint")
    session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure", *session.posargs)
