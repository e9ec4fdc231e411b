"""What a service lacks is said at start-up, with the fix: the forms extra, and the govuk-frontend files."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from govuk_layout import ConfigError, GovukLayout
from govuk_layout.testing import TEST_CONFIG

FORMS_FIX = 'pip install "govuk-layout[forms]"'
KEYS = {"GOVUK_SERVICE_NAME": "Apply for a fishing licence", "GOVUK_CONTACT_EMAIL": "fish@justice.gov.uk"}


@pytest.fixture
def without_forms_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """govuk-frontend-wtf as if it were not installed: importing it fails."""
    for name in [name for name in sys.modules if name.startswith("govuk_frontend_wtf.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "govuk_frontend_wtf", None)


def app_with_templates(tmp_path: Path, templates: dict[str, str]) -> Flask:
    for name, source in templates.items():
        (tmp_path / "templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "templates" / name).write_text(source)
    app = Flask("fishing", root_path=str(tmp_path))
    app.config.update(TEST_CONFIG, **KEYS)
    GovukLayout(app)
    return app


@pytest.mark.usefixtures("without_forms_extra")
@pytest.mark.parametrize(
    "source",
    [
        '{% extends "govuk_layout/form_page.html" %}',
        "{{ govukErrorSummary(wtforms_errors(form)) }}",
        '{% from "govuk_frontend_wtf/main.html" import x %}',
    ],
)
def test_templates_that_need_the_forms_extra_stop_start_up(tmp_path: Path, source: str) -> None:
    with pytest.raises(ConfigError) as raised:
        app_with_templates(tmp_path, {"start.html": "<p>start</p>", "apply/name.html": source})
    message = str(raised.value)
    assert FORMS_FIX in message
    assert "apply/name.html" in message and "start.html" not in message


@pytest.mark.usefixtures("without_forms_extra")
def test_a_service_without_forms_starts_and_serves_pages_without_the_extra(tmp_path: Path) -> None:
    app = app_with_templates(tmp_path, {"start.html": '{% extends "govuk_layout/base.html" %}'})
    client = app.test_client()
    for path in ("/cookies", "/privacy", "/no/such/page"):
        assert client.get(path).status_code in (200, 404), path


@pytest.mark.usefixtures("without_forms_extra")
def test_a_form_page_the_start_up_check_could_not_see_names_the_fix_on_its_first_render(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    with (
        app.test_request_context(),
        pytest.raises(
            ConfigError,
            match=re.escape(f"form_page.html needs govuk-frontend-wtf, which is not installed: {FORMS_FIX}"),
        ),
    ):
        render_template_string('{% extends "govuk_layout/form_page.html" %}', form=None)


def test_with_the_forms_extra_form_templates_start(tmp_path: Path) -> None:
    app = app_with_templates(tmp_path, {"name.html": '{% extends "govuk_layout/form_page.html" %}'})
    assert "govuk_layout" in app.extensions


def test_missing_assets_stop_a_production_app_naming_the_fix(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        make_app(GOVUK_ASSETS_DIR=str(tmp_path / "nothing"))
    message = str(raised.value)
    assert "govuk-frontend 6.3.0 is not installed" in message
    assert "`govuk-layout assets`" in message and "wheel" in message


def test_missing_assets_only_warn_in_development(
    make_app: Callable[..., Flask], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        app = make_app(GOVUK_ENVIRONMENT="development", GOVUK_ASSETS_DIR=str(tmp_path / "nothing"))
    assert any("`govuk-layout assets`" in record.getMessage() for record in caplog.records)
    assert app.test_client().get("/cookies").status_code == 200
