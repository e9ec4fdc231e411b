"""govuk_layout.gunicorn_conf, as gunicorn itself reads it: every service's image runs it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from govuk_layout.testing.processes import gunicorn

GUNICORN = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
# --print-config imports the app, so it is a bare WSGI one: the config is what is under test.
APP = "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'']\n"


@pytest.fixture(autouse=True)
def _bare_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bare.py").write_text(APP)
    monkeypatch.chdir(tmp_path)


def effective(*args: str, **env: str) -> dict[str, str]:
    """gunicorn's own view of the config (--print-config), with only ``env`` set beyond PATH."""
    assert GUNICORN, "gunicorn is not installed in this environment"
    keep = {name: os.environ[name] for name in ("PATH",) if name in os.environ}
    result = subprocess.run(
        [GUNICORN, "--config", "python:govuk_layout.gunicorn_conf", "--print-config", *args],
        env={**keep, "PYTHONPATH": ".", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.M))


def test_the_image_defaults_are_two_head_reading_gthread_workers_of_four_threads_on_the_app_port() -> None:
    config = effective(FLASK_APP="bare:app")
    assert config["wsgi_app"] == "bare:app"
    assert config["bind"] == "['0.0.0.0:1551']"
    worker = "govuk_layout.gunicorn_worker.HeadReadingWorker"  # gthread's subclass (test_gunicorn_server.py)
    assert (config["worker_class"], config["workers"], config["threads"]) == (worker, "2", "4")
    assert config["accesslog"] == "None"  # the app logs one JSON line per request itself
    assert config["reuse_port"] == "True"  # a listening socket per worker (test_gunicorn_server.py)


def test_the_metrics_hooks_are_wired() -> None:
    config = effective(FLASK_APP="bare:app")
    assert config["on_starting"] == "<gunicorn_on_starting()>"
    assert config["when_ready"] == "<gunicorn_when_ready()>"
    assert config["child_exit"] == "<gunicorn_child_exit()>"


def test_the_environment_overrides_each_setting() -> None:
    env = {"PORT": "8080", "GUNICORN_WORKERS": "3", "GUNICORN_THREADS": "8", "GUNICORN_TIMEOUT": "45"}
    config = effective(**env, GUNICORN_WORKER_CLASS="sync", FLASK_APP="bare:app")
    assert config["bind"].endswith(":8080']")
    assert (config["worker_class"], config["workers"], config["threads"], config["timeout"]) == ("sync", "3", "8", "45")


def test_without_flask_app_the_command_line_names_the_app() -> None:
    assert effective("bare:app")["wsgi_app"] == "None"  # gunicorn then serves its argument


FROZEN_APP = (
    "import gc\n"
    "def app(environ, start_response):\n"
    "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
    "    return [str(gc.get_freeze_count()).encode()]\n"
)


def test_each_worker_leaves_the_loaded_app_out_of_garbage_collection(tmp_path: Path) -> None:
    (tmp_path / "frozen.py").write_text(FROZEN_APP)
    args = ["--config", "python:govuk_layout.gunicorn_conf", "--chdir", str(tmp_path), "--workers", "1"]
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path)}
    with gunicorn("frozen:app", tmp_path / "gunicorn.log", env=env, args=args) as server:
        frozen = int(requests.get(server.url + "/", timeout=5).text)
    assert frozen > 1000  # the worker's modules and app, frozen once it had loaded them
