"""Fixtures for the browser tests: one live service per session, real Chromium, axe-core and vnu.

``audit(page, state)`` runs axe-core and the Nu HTML Checker on the page as it is and fails
with every WCAG A/AA violation and HTML error it finds, naming the rule and the element.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import axe_check
import pytest
import servers
from fake_google import MEASUREMENT_ID, Offline
from html_check import HtmlChecker, vnu_jar
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response, sync_playwright

from govuk_layout.testing import assert_govuk_page
from govuk_layout.testing.processes import ServerProcess, moto_server, oidc_app_env, oidc_provider

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / "build" / "e2e"
TABLE = "requests-e2e"
# Without the background-networking flags Chromium's own connections are refused here and it stalls.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AUDITED: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "screenshots: regenerates the README's screenshots (nox -s screenshots)")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if AUDITED:
        terminalreporter.write_sep("-", f"axe-core {axe_check.AXE_VERSION} and vnu checked {len(AUDITED)} page states")
        for state in AUDITED:
            terminalreporter.write_line(state)


def chromium_path() -> str | None:
    """CHROMIUM_PATH, else Debian's chromium, else None for Playwright's managed browser."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def dynamodb(logs: Path) -> Iterator[ServerProcess]:
    with moto_server(logs, bin_dir=servers.BIN) as moto:
        yield moto


@pytest.fixture(scope="session")
def identity_provider(logs: Path) -> Iterator[ServerProcess]:
    """A real OpenID Connect provider with a staff and a non-staff person on its sign-in page, as serve runs it."""
    with oidc_provider(logs, python=str(servers.BIN / "python")) as provider:
        yield provider


@pytest.fixture(scope="session")
def serve(
    logs: Path, dynamodb: ServerProcess, identity_provider: ServerProcess
) -> Iterator[Callable[..., ServerProcess]]:
    """Start an instance of the service, with staff sign-in; keyword arguments override its environment."""
    with contextlib.ExitStack() as started:

        def start(name: str, create_table: bool = True, **overrides: str) -> ServerProcess:
            env = servers.app_environment(dynamodb.url, TABLE, **{**oidc_app_env(identity_provider.url), **overrides})
            if create_table:
                servers.create_table(env)
            return started.enter_context(servers.app_server(name, env, logs))

        yield start


@pytest.fixture(scope="session")
def live_server(serve: Callable[..., ServerProcess]) -> ServerProcess:
    """The example service on a loopback port, backed by a real moto_server.

    Its rate limit is raised so the whole suite, all from one address, never meets it.
    """
    return serve("app", RATELIMIT_DEFAULT="100000 per minute")


@pytest.fixture(scope="session")
def govuk_server(serve: Callable[..., ServerProcess]) -> ServerProcess:
    """The example as a service on GOV.UK would run it (GOVUK_BRAND=govuk), on the same table."""
    return serve("app-govuk", create_table=False, GOVUK_BRAND="govuk", RATELIMIT_DEFAULT="100000 per minute")


@pytest.fixture(scope="session")
def analytics_server(serve: Callable[..., ServerProcess]) -> ServerProcess:
    """The example with Google Analytics 4 on (GOVUK_GOOGLE_ANALYTICS_ID); open its pages with ``analytics_page``."""
    return serve(
        "app-analytics",
        create_table=False,
        GOVUK_GOOGLE_ANALYTICS_ID=MEASUREMENT_ID,
        RATELIMIT_DEFAULT="100000 per minute",
    )


@pytest.fixture
def analytics_page(new_page: Callable[..., Page], analytics_server: ServerProcess) -> Iterator[Callable[..., Offline]]:
    """Open a page of ``analytics_server`` that reaches nothing off this machine: Google's hosts answer from
    fake_google.py's fakes, and any other request is aborted, which fails the test."""
    opened: list[Offline] = []

    def open_page(**options: object) -> Offline:
        page = new_page(base_url=analytics_server.url, **options)
        opened.append(Offline(page, analytics_server.url))
        return opened[-1]

    yield open_page
    leaked = [url for offline in opened for url in offline.blocked]
    assert not leaked, f"requests that would have left the machine: {leaked}"


@pytest.fixture(scope="session")
def axe_source() -> str:
    return axe_check.axe_source(CACHE)


@pytest.fixture(scope="session", autouse=True)
def html_checker(logs: Path) -> Iterator[HtmlChecker]:
    """Autouse, so its JVM boots while the service and the browser start."""
    jar = vnu_jar(CACHE)
    checker = HtmlChecker(jar, logs / "vnu.log")
    yield checker
    checker.stop()


class Recorder:
    """What a page received: its last main-frame document, failed sub-resources, console errors, page errors."""

    def __init__(self, page: Page, javascript: bool) -> None:
        self.page = page
        self.javascript = javascript
        self.document: Response | None = None
        self.errors: list[str] = []
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _response(self, response: Response) -> None:
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.document = response  # an error page's own status is the test's to check
        elif response.status >= 400:
            self.errors.append(f"{response.status} for {response.request.resource_type} {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        # Failed loads are reported from the responses themselves, where a document's own status is expected.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console error: {message.text}")

    def html(self) -> str:
        if self.document is None:
            raise AssertionError(f"no document was loaded in {self.page.url}")
        return self.document.text()


@pytest.fixture
def recorders() -> dict[Page, Recorder]:
    return {}


@pytest.fixture
def new_page(
    browser: Browser, live_server: ServerProcess, recorders: dict[Page, Recorder]
) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context (its own cookies); keyword arguments go to new_context."""
    contexts: list[BrowserContext] = []

    def open_page(base_url: str = live_server.url, **options: object) -> Page:
        context = browser.new_context(base_url=base_url, **options)  # type: ignore[arg-type]
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        recorders[page] = Recorder(page, javascript=bool(options.get("java_script_enabled", True)))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A page with JavaScript on."""
    return new_page()


@pytest.fixture
def page_no_js(new_page: Callable[..., Page]) -> Page:
    """A page with JavaScript off, as some users browse."""
    return new_page(java_script_enabled=False)


@pytest.fixture
def audit(axe_source: str, html_checker: HtmlChecker, recorders: dict[Page, Recorder]) -> Callable[[Page, str], None]:
    """Check the page as it is now: a whole GOV.UK page, axe-core WCAG A/AA, Nu HTML Checker errors, console and
    page errors."""

    def check(page: Page, state: str) -> None:
        recorder = recorders[page]
        assert_govuk_page(recorder.html(), r".+ – .+")  # one h1, a working skip link, no traceback
        problems = [f"axe: {line}" for line in axe_check.violations(page, axe_source, recorder.javascript)]
        problems += [f"vnu: {line}" for line in html_checker.errors(recorder.html())]
        problems += recorder.errors
        AUDITED.append(f"{state}: {page.url}")
        assert not problems, f"{state} ({page.url}) has {len(problems)} problem(s):\n" + "\n".join(problems)

    return check
