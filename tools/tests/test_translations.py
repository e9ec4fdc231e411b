"""tools/translations.py on a small repository: which catalogues it updates, and what --check refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from tools import translations as tool

REPO = Path(__file__).resolve().parents[2]
LAYOUT = REPO / "packages" / "govuk_layout" / "src" / "govuk_layout"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """govuk-layout's package folder, a service with a Welsh catalogue and one without."""
    shutil.copytree(
        LAYOUT, tmp_path / "packages/govuk_layout/src/govuk_layout", ignore=shutil.ignore_patterns("static")
    )
    for name, welsh in (("alpha", True), ("beta", False)):
        package = tmp_path / "services" / name / "src" / name
        (package / "templates").mkdir(parents=True)
        (package / "__init__.py").write_text(
            'from flask_babel import lazy_gettext\n\nLABEL = lazy_gettext("Full name")\n'
        )
        (package / "templates" / "start.html").write_text('<h1>{{ _("Start now") }}</h1>{% trans %}Hello{% endtrans %}')
        if welsh:
            (package / "translations" / "cy" / "LC_MESSAGES").mkdir(parents=True)
    return tmp_path


def translate(po: Path, translations: dict[str, str], fuzzy: str | None = None) -> None:
    with po.open("rb") as file:
        catalog = read_po(file)
    for message in catalog:
        if message.id in translations:
            message.string = translations[message.id]
        if message.id == fuzzy:
            message.flags.add("fuzzy")
    with po.open("wb") as file:
        write_po(file, catalog)


def test_roots_are_the_package_and_services_with_catalogues(repo: Path) -> None:
    layout = repo / "packages/govuk_layout/src/govuk_layout"
    assert tool.roots(repo) == [layout, repo / "services/alpha/src/alpha"]
    assert tool.roots(repo, adding=True) == [layout, repo / "services/alpha/src/alpha", repo / "services/beta/src/beta"]


def test_update_then_check(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert tool.main([], repo=repo) == 0
    po = repo / "services/alpha/src/alpha/translations/cy/LC_MESSAGES/messages.po"
    assert po.exists() and po.with_suffix(".mo").exists()
    assert not (repo / "services/beta/src/beta/translations").exists()
    capsys.readouterr()

    assert tool.main(["--check"], repo=repo) == 1
    out = capsys.readouterr().out
    for english in ("Full name", "Start now", "Hello"):
        assert f"untranslated: {english!r}" in out
    assert "govuk_layout/translations" not in out  # the package's own catalogue was complete

    translate(po, {"Full name": "Enw llawn", "Start now": "Dechrau nawr", "Hello": "Helo"})
    assert tool.main(["--check"], repo=repo) == 1
    assert "stale or missing" in capsys.readouterr().out  # the .po changed, the .mo did not
    assert tool.main([], repo=repo) == 0
    assert tool.main(["--check"], repo=repo) == 0

    translate(po, {}, fuzzy="Hello")
    tool.main([], repo=repo)
    assert tool.main(["--check"], repo=repo) == 1
    assert "fuzzy, check the translation" in capsys.readouterr().out


def test_new_and_removed_messages_are_found(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tool.main([], repo=repo)
    po = repo / "services/alpha/src/alpha/translations/cy/LC_MESSAGES/messages.po"
    translate(po, {"Full name": "Enw llawn", "Start now": "Dechrau nawr", "Hello": "Helo"})
    tool.main([], repo=repo)
    template = repo / "services/alpha/src/alpha/templates/start.html"
    template.write_text('<h1>{{ _("Start now") }}</h1><p>{{ _("Continue") }}</p>')
    assert tool.main(["--check"], repo=repo) == 1
    out = capsys.readouterr().out
    assert "not in the catalogue (run `nox -s translations`): 'Continue'" in out
    assert "no longer in the sources (run `nox -s translations`): 'Hello'" in out


def test_add_starts_a_catalogue_everywhere(repo: Path) -> None:
    assert tool.main(["--add", "cy"], repo=repo) == 0
    assert (repo / "services/beta/src/beta/translations/cy/LC_MESSAGES/messages.mo").exists()
