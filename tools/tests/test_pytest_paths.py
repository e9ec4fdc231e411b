"""A service's folder is a pytest path of its own: ``pytest services/<name>`` runs its tests, not its browser suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools import kit

SERVICES = sorted(path.parent for path in (kit.ROOT / "services").glob("*/tests"))


@pytest.mark.parametrize("service", SERVICES, ids=[path.name for path in SERVICES])
def test_a_service_folder_collects_its_tests_and_leaves_e2e_to_the_browser_session(service: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", str(service)],
        cwd=kit.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    collected = [line for line in run.stdout.splitlines() if "::" in line]
    assert collected and all(line.startswith(f"services/{service.name}/tests/") for line in collected)
