"""The built wheel, used the way the package README tells a team outside this repo to use it.

The wheel is built from this checkout and installed into a fresh venv outside the
monorepo with the README's install line (its extras included). Two apps run on it: the
README's own quick start, with the README's own command, and "Apply for a fishing
licence", which uses what a real service does: a form page with a validation error, a
footer link from config, its own layout and a path prefix. Nothing from this checkout is
importable in that venv.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import os
import re
import shlex
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from wheel_support import build_wheel, fresh_venv

from govuk_layout.testing import csrf_token
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
    location: str | None = None

    @property
    def text(self) -> str:
        return self.body.decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as it is, so its Location can be checked (behind no proxy, a prefixed one is a 404)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def browser() -> urllib.request.OpenerDirector:
    """An opener that keeps cookies, as a browser does, and does not follow redirects."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects)


def fetch(url: str, opener: urllib.request.OpenerDirector | None = None, **request: Any) -> Fetched:
    try:
        with (opener or urllib.request.build_opener()).open(urllib.request.Request(url, **request), timeout=10) as got:
            return Fetched(got.status, got.headers.get("Content-Type", ""), got.read())
    except urllib.error.HTTPError as error:
        with error:
            return Fetched(
                error.code, error.headers.get("Content-Type", ""), error.read(), error.headers.get("Location")
            )


@dataclass
class Installed:
    root: Path
    venv: Path
    wheel: Path


@dataclass
class OutsideApp:
    base_url: str
    venv: Path
    wheel: Path


def readme_install(wheel: Path) -> list[str]:
    """The README's install line's requirements, with govuk-layout (and its extras) taken from ``wheel``."""
    tokens = shlex.split(readme_block("install"))
    assert tokens[:2] == ["pip", "install"], tokens
    requirements = tokens[2:]
    assert any(token.startswith("govuk-layout") for token in requirements), requirements
    return [f"{token} @ {wheel.as_uri()}" if token.startswith("govuk-layout") else token for token in requirements]


def run_env(venv: Path, **values: str) -> dict[str, str]:
    """This process's environment without its own app settings, with ``venv`` first on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GOVUK_", "FLASK_", "PYTHON"))}
    return env | values | {"PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel, installed into a fresh venv outside the monorepo the way the README says."""
    root = tmp_path_factory.mktemp("outside")
    assert not root.resolve().is_relative_to(PACKAGE.parents[1]), "the apps must live outside the monorepo"
    wheel = build_wheel(PACKAGE, root / "dist")
    return Installed(root, fresh_venv(root / "venv", *readme_install(wheel)), wheel)


@pytest.fixture(scope="module")
def outside_app(installed: Installed) -> Iterator[OutsideApp]:
    # The README's steps: save app.py, run it.
    project = installed.root / "my-service"
    project.mkdir()
    (project / "app.py").write_text(readme_block("app.py"))
    tokens = shlex.split(readme_block("run"))
    assignments = list(itertools.takewhile(lambda token: re.fullmatch(r"[A-Z_]+=.*", token), tokens))
    env = run_env(installed.venv, **dict(assignment.split("=", 1) for assignment in assignments))
    env["GOVUK_LANGUAGES"] = '["en", "cy"]'  # Welsh on, as a team in Wales would switch it
    args = tokens[len(assignments) :]
    port = free_port()
    command = [*args, "--host", "127.0.0.1", "--port", str(port)]
    log = installed.root / "server.log"
    with ServerProcess("the quick-start app", command, port=port, log=log, env=env, cwd=project, timeout=30):
        yield OutsideApp(f"http://127.0.0.1:{port}", installed.venv, installed.wheel)


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


# "Apply for a fishing licence": an app a team would write from the README, outside the monorepo.
FISHING_APP = """\
from flask import Flask, redirect, render_template, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired

from govuk_layout import GovukLayout

layout = GovukLayout()


class NameForm(FlaskForm):
    name = StringField("What is your name?", widget=GovTextInput(), validators=[DataRequired("Enter your name")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


def create_app():
    app = Flask(__name__)
    app.config.update(
        GOVUK_SERVICE_NAME="Apply for a fishing licence",
        GOVUK_CONTACT_EMAIL="fishing@justice.gov.uk",
        GOVUK_BASE_TEMPLATE="layout.html",
        GOVUK_FOOTER_LINKS=[{"text": "Contact us", "endpoint": "contact"}],
        GOVUK_PHASE_BANNER_TEXT="This is a new service – your [feedback] will help us to improve it.",
    )
    layout.init_app(app)

    @app.route("/", methods=["GET", "POST"])
    def name():
        form = NameForm()
        if form.validate_on_submit():
            return redirect(url_for("contact"))
        return render_template("name.html", form=form)

    @app.get("/contact")
    def contact():
        return render_template("contact.html")

    return app
"""
FISHING_FILES = {
    "app.py": FISHING_APP,
    "templates/layout.html": """\
{% extends "govuk_layout/base.html" %}
{% block headExtra %}<link rel="stylesheet" href="{{ url_for('static', filename='fishing.css') }}">{% endblock %}
""",
    "templates/name.html": """\
{% extends "govuk_layout/form_page.html" %}
{% block title %}What is your name?{% endblock %}
{% block form_content %}
<form method="post" novalidate>
  {{ form.csrf_token }}
  {{ form.name(params={"label": {"isPageHeading": true, "classes": "govuk-label--l"}}) }}
  {{ form.submit() }}
</form>
{% endblock %}
""",
    "templates/contact.html": """\
{% extends "layout.html" %}
{% block title %}Contact us{% endblock %}
{% block content %}<h1 class="govuk-heading-xl">Contact us</h1>{% endblock %}
""",
    "static/fishing.css": ".fishing-licence { color: #0b0c0c; }\n",
}
PREFIX = "/fish"
FISHING = "Apply for a fishing licence"


@pytest.fixture(scope="module")
def fishing_app(installed: Installed) -> Iterator[str]:
    """The fishing-licence app on the wheel, configured for production (its stores on one machine)."""
    project = installed.root / "fishing"
    for name, text in FISHING_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    env = run_env(
        installed.venv,
        SECRET_KEY="fishing-licence-secret-key-for-the-test",
        GOVUK_SESSION_STORE="filesystem",
        RATELIMIT_STORAGE_URI="memory://",
        GOVUK_SECURE_COOKIES="false",  # the test talks plain http to it, as the ingress would
    )
    port = free_port()
    command = ["flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port)]
    log = installed.root / "fishing.log"
    with ServerProcess("the fishing-licence app", command, port=port, log=log, env=env, cwd=project, timeout=30):
        yield f"http://127.0.0.1:{port}"


def behind_proxy(
    base_url: str, path: str, opener: urllib.request.OpenerDirector | None = None, **request: Any
) -> Fetched:
    """What the app answers the proxy that serves it at /fish: the path stripped, the prefix in a header."""
    return fetch(base_url + path, opener or browser(), headers={"X-Forwarded-Prefix": PREFIX}, **request)


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/", 200, "What is your name?"),
        ("/contact", 200, "Contact us"),
        ("/cookies", 200, "Cookies"),
        ("/accessibility", 200, "Accessibility statement"),
        ("/privacy", 200, "Privacy notice"),
        ("/session/expired", 200, "Your answers have been deleted"),
        ("/no-such-page", 404, "Page not found"),
    ],
)
def test_every_page_has_the_services_layout_and_footer_link_under_its_prefix(
    fishing_app: str, path: str, status: int, title: str
) -> None:
    page = behind_proxy(fishing_app, path)
    assert page.status == status
    html = page.text
    assert f"<title>{title} – {FISHING} – Ministry of Justice</title>" in html
    assert f'<link rel="stylesheet" href="{PREFIX}/static/fishing.css">' in html  # its own layout
    assert f'<a class="govuk-footer__link" href="{PREFIX}/contact">Contact us</a>' in html  # GOVUK_FOOTER_LINKS
    assert f'<a class="govuk-footer__link" href="{PREFIX}/privacy">Privacy</a>' in html  # the standard ones stay
    assert 'your <a class="govuk-link" href="mailto:fishing@justice.gov.uk">feedback</a> will help' in html
    assert f'href="{PREFIX}/"' in html  # the service name leads to the start, under the prefix
    stylesheet, script = asset_urls(html)
    assert stylesheet.startswith(f"{PREFIX}/assets/") and script.startswith(f"{PREFIX}/assets/")
    # The proxy strips the prefix, so the app serves what it links at the path without it.
    for asset in (stylesheet, script, f"{PREFIX}/static/fishing.css"):
        assert fetch(fishing_app + asset.removeprefix(PREFIX)).status == 200, asset


def test_a_validation_error_is_shown_on_the_form_page_and_an_answer_moves_on(fishing_app: str) -> None:
    opener = browser()
    token = csrf_token(behind_proxy(fishing_app, "/", opener).text)
    answer = {"csrf_token": token, "name": ""}
    page = behind_proxy(fishing_app, "/", opener, data=urllib.parse.urlencode(answer).encode(), method="POST")
    assert page.status == 200
    html = page.text
    assert f"<title>Error: What is your name? – {FISHING} – Ministry of Justice</title>" in html
    assert '<a href="#name">Enter your name</a>' in html
    assert "govuk-error-message" in html
    assert f'<link rel="stylesheet" href="{PREFIX}/static/fishing.css">' in html
    answer["name"] = "Ada"
    moved = behind_proxy(fishing_app, "/", opener, data=urllib.parse.urlencode(answer).encode(), method="POST")
    assert (moved.status, moved.location) == (302, f"{PREFIX}/contact")


def test_the_cookie_banner_returns_to_the_page_under_the_prefix(fishing_app: str) -> None:
    opener = browser()
    html = behind_proxy(fishing_app, "/contact", opener).text
    assert f'<form method="post" action="{PREFIX}/cookies"' in html
    assert f'name="next" value="{PREFIX}/contact"' in html
    # No analytics id, so the banner's one choice is "Hide cookie message".
    choice = {"csrf_token": csrf_token(html), "cookies": "hide", "source": "banner", "next": f"{PREFIX}/contact"}
    chosen = behind_proxy(fishing_app, "/cookies", opener, data=urllib.parse.urlencode(choice).encode(), method="POST")
    assert (chosen.status, chosen.location) == (302, f"{PREFIX}/contact")
