"""The built wheel, used the way the package README tells a team outside this repo to use it.

The wheel is built from this checkout, installed into a fresh venv outside the
monorepo, and the README's own quick start is written out and run with the README's
own command. Nothing from this checkout is importable in that venv.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import subprocess
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
from wheel_support import build_wheel, fresh_venv

from govuk_layout.testing.processes import ServerProcess, free_port

PACKAGE = Path(__file__).resolve().parents[1]
README = PACKAGE / "README.md"
SERVICE_NAME = "Apply for a thing"
ORGANISATION = "Ministry of Justice"  # GOVUK_DEPARTMENT's default


def readme_block(marker: str) -> str:
    """The fenced code block that follows ``<!-- quick-start: marker -->`` in the README."""
    match = re.search(rf"<!-- quick-start: {re.escape(marker)} -->\n```\w*\n(.*?)```", README.read_text(), re.DOTALL)
    assert match, f"the README has no quick-start block {marker!r}"
    return match.group(1)


def asset_urls(html: str) -> tuple[str, str]:
    """The govuk-frontend stylesheet and script a page links to."""
    stylesheet = re.search(r'<link[^>]* rel="stylesheet"[^>]* href="([^"]*govuk-frontend[^"]*\.css)"', html)
    script = re.search(r'import \{ initAll \} from "([^"]*govuk-frontend[^"]*\.js)"', html)
    assert stylesheet, "no govuk-frontend stylesheet"
    assert script, "no govuk-frontend module script"
    return stylesheet.group(1), script.group(1)


@dataclass
class Fetched:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def fetch(url: str) -> Fetched:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return Fetched(response.status, response.headers.get("Content-Type", ""), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Fetched(error.code, error.headers.get("Content-Type", ""), error.read())


@dataclass
class OutsideApp:
    base_url: str
    venv: Path
    wheel: Path


@pytest.fixture(scope="module")
def outside_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OutsideApp]:
    root = tmp_path_factory.mktemp("outside")
    assert not root.resolve().is_relative_to(PACKAGE.parents[1]), "the app must live outside the monorepo"
    wheel = build_wheel(PACKAGE, root / "dist")

    # The README's steps: install, save app.py, run it.
    venv = fresh_venv(root / "venv", str(wheel))
    project = root / "my-service"
    project.mkdir()
    (project / "app.py").write_text(readme_block("app.py"))
    tokens = shlex.split(readme_block("run"))
    assignments = list(itertools.takewhile(lambda token: re.fullmatch(r"[A-Z_]+=.*", token), tokens))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GOVUK_", "FLASK_", "PYTHON"))}
    env |= dict(assignment.split("=", 1) for assignment in assignments)
    env["GOVUK_LANGUAGES"] = '["en", "cy"]'  # Welsh on, as a team in Wales would switch it
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    args = tokens[len(assignments) :]
    port = free_port()
    command = [*args, "--host", "127.0.0.1", "--port", str(port)]
    with ServerProcess(
        "the quick-start app", command, port=port, log=root / "server.log", env=env, cwd=project, timeout=30
    ):
        yield OutsideApp(f"http://127.0.0.1:{port}", venv, wheel)


def test_the_wheel_vendors_every_installed_govuk_frontend_file(outside_app: OutsideApp) -> None:
    installed = PACKAGE / "src" / "govuk_layout" / "static"
    expected = {f"govuk_layout/static/{path.relative_to(installed)}" for path in installed.rglob("*") if path.is_file()}
    with zipfile.ZipFile(outside_app.wheel) as archive:
        vendored = {name for name in archive.namelist() if name.startswith("govuk_layout/static/")}
    assert vendored == expected
    assert {"govuk_layout/static/govuk-frontend.min.css", "govuk_layout/static/govuk-frontend.min.js"} <= vendored
    assert any(name.startswith("govuk_layout/static/fonts/") and name.endswith(".woff2") for name in vendored)


def test_the_wheel_ships_the_compiled_catalogues(outside_app: OutsideApp) -> None:
    with zipfile.ZipFile(outside_app.wheel) as archive:
        names = set(archive.namelist())
    assert "govuk_layout/translations/cy/LC_MESSAGES/messages.mo" in names
    page = fetch(outside_app.base_url + "/privacy?lang=cy")
    assert page.status == 200
    assert '<html lang="cy"' in page.text
    assert f"<title>Hysbysiad preifatrwydd – {SERVICE_NAME} – Y Weinyddiaeth Gyfiawnder</title>" in page.text


def test_the_app_uses_the_installed_wheel_not_this_checkout(outside_app: OutsideApp) -> None:
    result = subprocess.run(
        [str(outside_app.venv / "bin" / "python"), "-c", "import govuk_layout; print(govuk_layout.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=outside_app.venv,
        env={"PATH": os.environ["PATH"]},
    )
    installed = Path(result.stdout.strip()).resolve()
    assert installed.is_relative_to(outside_app.venv.resolve())
    assert not installed.is_relative_to(PACKAGE.parents[1])


@pytest.mark.parametrize(
    ("path", "status", "title", "heading"),
    [
        ("/", 200, f"{SERVICE_NAME} – {ORGANISATION}", SERVICE_NAME),
        ("/cookies", 200, f"Cookies – {SERVICE_NAME} – {ORGANISATION}", "Cookies"),
        (
            "/accessibility",
            200,
            f"Accessibility statement – {SERVICE_NAME} – {ORGANISATION}",
            "Accessibility statement for",
        ),
        ("/privacy", 200, f"Privacy notice – {SERVICE_NAME} – {ORGANISATION}", "Privacy notice"),
        ("/no-such-page", 404, f"Page not found – {SERVICE_NAME} – {ORGANISATION}", "Page not found"),
    ],
)
def test_pages_render_in_govuk_style(outside_app: OutsideApp, path: str, status: int, title: str, heading: str) -> None:
    page = fetch(outside_app.base_url + path)
    assert page.status == status
    assert page.content_type.startswith("text/html")
    html = page.text
    assert re.search(r'<html lang="en" class="govuk-template[^"]*"', html)
    assert f"<title>{title}</title>" in html
    assert re.search(rf'<h1 class="govuk-heading-[xl]+">\s*{re.escape(heading)}', html)
    # The quick start's service URL is "/", not on GOV.UK: the organisation brand.
    for part in ("moj-header", "govuk-service-navigation", "govuk-phase-banner", "govuk-footer"):
        assert f'class="{part}' in html, part
    assert 'class="govuk-header' not in html
    # The cookies page is where the choice is made, so it alone has no banner.
    assert ('class="govuk-cookie-banner' in html) is (path != "/cookies")
    stylesheet, script = asset_urls(html)
    assert stylesheet.startswith("/assets/")
    assert script.startswith("/assets/")


def test_the_css_js_and_fonts_are_served(outside_app: OutsideApp) -> None:
    stylesheet, script = asset_urls(fetch(outside_app.base_url + "/").text)
    css = fetch(outside_app.base_url + stylesheet)
    assert css.status == 200
    assert css.content_type.startswith("text/css")
    assert b".moj-header" in css.body and b"GDS Transport" not in css.body
    # The GOV.UK brand's stylesheet and its fonts ship in the wheel too.
    stylesheet = "/assets/govuk-frontend.min.css"
    css = fetch(outside_app.base_url + stylesheet)
    assert b".govuk-header" in css.body
    fonts = set(re.findall(r"url\(['\"]?([^)'\"]+\.woff2)['\"]?\)", css.text))
    assert fonts, "the CSS names no fonts"
    for font in fonts:
        served = fetch(urljoin(outside_app.base_url + stylesheet, font))
        assert served.status == 200, font
        assert served.body[:4] == b"wOF2"
    js = fetch(outside_app.base_url + script)
    assert js.status == 200
    assert b"initAll" in js.body
