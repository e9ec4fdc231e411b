from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from govuk_layout import ConfigError, GovukLayout, LayoutState


def test_registers_in_app_extensions(app: Flask) -> None:
    state = app.extensions["govuk_layout"]
    assert isinstance(state, LayoutState)
    assert state.settings.GOVUK_SERVICE_NAME == "Apply for a thing"


def test_double_registration_is_refused(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="already registered"):
        GovukLayout().init_app(app)


def test_factory_pattern_init_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOVUK_SERVICE_NAME", "From the environment")
    monkeypatch.setenv("GOVUK_CONTACT_EMAIL", "env@justice.gov.uk")
    monkeypatch.setenv("GOVUK_ENVIRONMENT", "development")
    layout = GovukLayout()
    app = Flask("factory_app", instance_path=str(tmp_path))  # where development keeps its key
    layout.init_app(app)
    assert app.extensions["govuk_layout"].extension is layout
    assert app.config["GOVUK_SERVICE_NAME"] == "From the environment"
    assert app.secret_key  # generated for local development


def test_app_config_wins_over_environment(monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask]) -> None:
    monkeypatch.setenv("GOVUK_PHASE", "alpha")
    assert make_app().config["GOVUK_PHASE"] == "alpha"
    assert make_app(GOVUK_PHASE="live").config["GOVUK_PHASE"] == "live"


def test_invalid_config_names_every_bad_key(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError) as caught:
        make_app(
            GOVUK_SERVICE_NAME="",
            GOVUK_PHASE="gamma",
            GOVUK_CONTACT_EMAIL="not-an-email",
            GOVUK_FEEDBACK_URL="javascript:alert(1)",
        )
    message = str(caught.value)
    for key in ("GOVUK_SERVICE_NAME", "GOVUK_PHASE", "GOVUK_CONTACT_EMAIL", "GOVUK_FEEDBACK_URL"):
        assert key in message
    assert "\n" not in message


def test_missing_required_keys_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVUK_SERVICE_NAME", raising=False)
    monkeypatch.delenv("GOVUK_CONTACT_EMAIL", raising=False)
    with pytest.raises(ConfigError, match=r"GOVUK_SERVICE_NAME: Field required.*GOVUK_CONTACT_EMAIL: Field required"):
        GovukLayout(Flask("missing"))


def test_production_requires_secret_key(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY is required"):
        make_app(SECRET_KEY=None, GOVUK_ENVIRONMENT="production")


def test_navigation_from_json_environment(monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask]) -> None:
    monkeypatch.setenv("GOVUK_NAVIGATION", '[{"text": "Home", "href": "/"}]')
    app = make_app()
    page = app.test_client().get("/cookies").get_data(as_text=True)
    assert 'href="/"' in page
    assert "Home" in page


def test_base_template_renders_govuk_chrome(app: Flask) -> None:
    with app.test_request_context("/"):
        html = render_template_string(
            '{% extends "govuk_layout/base.html" %}{% block title %}Your name{% endblock %}'
            '{% block content %}<h1 class="govuk-heading-l">Hello</h1>{% endblock %}'
        )
    assert "<title>Your name – Apply for a thing – GOV.UK</title>" in html
    assert 'class="govuk-skip-link"' in html
    assert 'class="govuk-header' in html
    assert "govuk-service-navigation" in html and "Apply for a thing" in html
    assert "govuk-phase-banner" in html and "Beta" in html
    assert 'href="mailto:team@justice.gov.uk">give your feedback' in html
    assert 'href="/cookies"' in html and 'href="/accessibility"' in html and 'href="/privacy"' in html
    assert '<script type="module"' in html and "initAll()" in html
    assert re.search(r'href="/assets/govuk-frontend-govuk\.min\.[0-9a-f]{12}\.css"', html)


def test_error_prefix_in_title(app: Flask) -> None:
    with app.test_request_context("/"):
        html = render_template_string(
            '{% extends "govuk_layout/base.html" %}{% set has_errors = true %}{% block title %}Your name{% endblock %}'
        )
    assert "<title>Error: Your name – Apply for a thing – GOV.UK</title>" in html


def test_live_phase_has_no_banner(make_app: Callable[..., Flask]) -> None:
    html = make_app(GOVUK_PHASE="live").test_client().get("/privacy").get_data(as_text=True)
    assert "govuk-phase-banner" not in html


def test_navigation_marks_current_page(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_NAVIGATION=[{"text": "Privacy", "href": "/privacy"}, {"text": "Cookies", "href": "/cookies"}])
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert 'aria-current="page"' in html
    active = html.split('aria-current="page"')[0].rsplit("<li", 1)[1]
    assert "govuk-service-navigation__item--active" in active
