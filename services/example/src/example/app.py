"""The application factory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask

from example import cli, journey, request_access, staff, start, status, submissions
from example.questions import QUESTIONS
from example.settings import ExampleSettings
from govuk_layout import GovukLayout


def create_app(test_config: dict[str, Any] | None = None, questions: Sequence[journey.Question] = QUESTIONS) -> Flask:
    """Create the app asking ``questions`` in order. ``test_config`` overrides config and the environment, for tests."""
    app = Flask(__name__)
    if test_config:
        app.config.update(test_config)
    GovukLayout(app, settings_class=ExampleSettings)
    submissions.init_app(app)
    journey.init_app(app, questions)
    app.register_blueprint(start.bp)
    app.register_blueprint(request_access.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(staff.bp)
    app.cli.add_command(cli.create_table)
    return app
