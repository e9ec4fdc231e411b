"""Wheels and fresh venvs for the distribution tests: uv when it is on PATH, else build's pip and venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def _pip_index() -> str | None:
    """The index pip is configured with here, so uv resolves from the same place."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    result = subprocess.run(
        [sys.executable, "-m", "pip", "config", "get", "global.index-url"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else None


def _uv_env() -> dict[str, str]:
    index = _pip_index()
    return {**os.environ, **({"UV_DEFAULT_INDEX": index} if index else {})}


def build_wheel(project: Path, outdir: Path) -> Path:
    """``python -m build --wheel`` of ``project`` (the locked build frontend) into ``outdir``."""
    installer = ["--installer", "uv"] if shutil.which("uv") else []
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", *installer, "--outdir", str(outdir), str(project)],
        check=True,
        capture_output=True,
        env=_uv_env(),
    )
    (wheel,) = outdir.glob("*.whl")
    return wheel


def fresh_venv(where: Path, *requirements: str) -> Path:
    """A new venv with ``requirements`` installed from the index."""
    uv = shutil.which("uv")
    if uv:
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(where)], check=True)
        subprocess.run(
            [uv, "pip", "install", "--quiet", "--python", str(where / "bin" / "python"), *requirements],
            check=True,
            env=_uv_env(),
        )
    else:
        subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
        subprocess.run([str(where / "bin" / "python"), "-m", "pip", "install", "--quiet", *requirements], check=True)
    return where
