"""The application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from example import views
from example.settings import ExampleSettings
from govuk_layout import GovukLayout


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app. ``test_config`` overrides config and the environment, for tests."""
    app = Flask(__name__)
    if test_config:
        app.config.update(test_config)
    GovukLayout(app, settings_class=ExampleSettings)
    app.register_blueprint(views.bp)
    return app
