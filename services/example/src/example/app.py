"""The application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from example import apply, cli, staff, status, submissions, views
from example.settings import ExampleSettings
from govuk_layout import GovukLayout


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app. ``test_config`` overrides config and the environment, for tests."""
    app = Flask(__name__)
    if test_config:
        app.config.update(test_config)
    GovukLayout(app, settings_class=ExampleSettings)
    submissions.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(apply.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(staff.bp)
    app.cli.add_command(cli.create_table)
    return app
