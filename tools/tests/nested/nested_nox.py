"""Run nox inside a test, the way `nox -s new-service-check` says to (NEW_SERVICE_CHECK_NOX, _ENVDIR)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path


def nox(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [*shlex.split(os.environ["NEW_SERVICE_CHECK_NOX"]), "--envdir", os.environ["NEW_SERVICE_CHECK_ENVDIR"]]
    outer = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "SERVICE")}
    return subprocess.run(
        [*command, *args], cwd=repo, env={**outer, **(env or {})}, capture_output=True, text=True, check=False
    )


def passed(result: subprocess.CompletedProcess[str]) -> bool:
    if result.returncode:
        print(result.stdout[-6000:], result.stderr[-6000:], sep="\n")
    return result.returncode == 0
