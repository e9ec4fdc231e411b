"""The GovukLayout Flask extension."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from govuk_layout import (
    analytics,
    assets,
    auth,
    cached_pages,
    chrome,
    components,
    compression,
    csrf,
    errors,
    health,
    hooks,
    i18n,
    inputs,
    limits,
    observability,
    overlaps,
    pages,
    responses,
    security,
    sessions,
    static,
    templating,
)
from govuk_layout.config import ConfigError, LayoutSettings, load_settings

EXTENSION_KEY = "govuk_layout"
DEVELOPMENT_KEY_FILE = "govuk-layout-secret-key"


@dataclass(frozen=True)
class LayoutState:
    """What one app's registration holds, at ``app.extensions["govuk_layout"]``."""

    extension: GovukLayout
    settings: LayoutSettings
    # Served by /readyz (health.py): name -> check returning None when ready, else a short reason.
    readiness_checks: dict[str, health.ReadinessCheck] = field(default_factory=dict)

    def add_readiness_check(self, name: str, check: health.ReadinessCheck) -> None:
        """Make ``/readyz`` answer 503 while ``check()`` returns a reason (or raises)."""
        self.readiness_checks[name] = check


def development_secret_key(app: Flask) -> str:
    """One key per checkout, kept in the instance folder, so every worker and every restart signs alike."""
    path = Path(app.instance_path) / DEVELOPMENT_KEY_FILE
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{DEVELOPMENT_KEY_FILE}.")  # private: mode 0600
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32))
        with contextlib.suppress(FileExistsError):  # another worker's key got there first: use it
            os.link(draft, path)  # atomic: a worker never reads a half-written key
    finally:
        os.unlink(draft)
    return path.read_text(encoding="ascii").strip()


def check_assets(app: Flask, directory: Path, *, development: bool) -> None:
    """Without the pinned govuk-frontend files pages are unstyled: a warning in development, else a refusal."""
    if assets.is_current(directory):
        return
    problem = (
        f"govuk-frontend {assets.GOVUK_FRONTEND_VERSION} is not installed in {directory}, so pages would be "
        "unstyled: install govuk-layout's wheel (from PyPI or `dist/`), or in a source checkout or git install "
        "run `govuk-layout assets`"
    )
    if not development:
        raise ConfigError(f"{app.name} cannot start: {problem}")
    app.logger.warning("%s", problem)


class GovukLayout:
    """GOV.UK Design System pages for a Flask app.

    Use it directly, ``GovukLayout(app)``, or with an application factory,
    ``layout = GovukLayout()`` then ``layout.init_app(app)``.
    """

    def __init__(self, app: Flask | None = None, settings_class: type[LayoutSettings] = LayoutSettings) -> None:
        self.settings_class = settings_class
        if app is not None:
            self.init_app(app)

    @staticmethod
    def rotate_session() -> None:
        """Give the current session a new id, keeping its data (at a journey's start and end, and at sign-in).

        The old id stops working at once. See :func:`govuk_layout.sessions.rotate_session`.
        """
        sessions.rotate_session()

    @staticmethod
    def component_cache(app: Flask | None = None) -> components.ComponentCache:
        """The app's cache of rendered GOV.UK components (default: the current app); ``.stats()`` has its hit rate.

        See :func:`govuk_layout.components.component_cache`.
        """
        return components.component_cache(app)

    @staticmethod
    def page_cache(app: Flask | None = None) -> cached_pages.PageCache:
        """The app's cache of whole pages (default: the current app); ``.stats()`` has its hit rate.

        See :func:`govuk_layout.cached_pages.render_page`.
        """
        return cached_pages.page_cache(app)

    def init_app(self, app: Flask) -> None:
        """Register templates, standard pages, error pages, assets and health endpoints on ``app``.

        ``/healthz`` and ``/readyz`` come from the ``govuk_health`` blueprint; add readiness
        checks with ``app.extensions["govuk_layout"].add_readiness_check(name, check)``.
        Config keys are read from ``app.config``, then the environment, and validated against
        ``settings_class``; each is described in ``config.py`` and the README's tables.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError("GovukLayout is already registered on this app; call init_app once per app.")
        settings = load_settings(app, self.settings_class)
        assets_dir = Path(settings.GOVUK_ASSETS_DIR) if settings.GOVUK_ASSETS_DIR else assets.DEFAULT_DEST
        check_assets(app, assets_dir, development=settings.GOVUK_ENVIRONMENT == "development")
        if not app.secret_key:  # only reachable in development: production is refused by the schema
            app.secret_key = secrets.token_hex(32) if app.testing else development_secret_key(app)
        # The package's request hooks run as one before_request and one after_request function (hooks.py).
        with hooks.combined(app):
            # The request id first, so every later hook and log line has it; its after_request runs last.
            observability.init_app(app)
            # Security first, so its hooks run before any other: nonce, rate limit, input checks, then CSRF.
            security.init_app(app)
            limits.init_app(app)
            inputs.init_app(app)
            sessions.init_app(app)
            csrf.init_app(app)

            i18n.init_app(app)

            app.register_blueprint(pages.create_blueprint(assets_dir, settings.GOVUK_ASSETS_URL))
            static.register(
                app, assets_dir, settings.GOVUK_ASSETS_URL, extra_headers=security.static_security_headers(app.config)
            )
            app.jinja_env.add_extension(chrome.ChromeCache)
            components.init_app(app, settings.GOVUK_COMPONENT_CACHE_SIZE)
            cached_pages.init_app(app, settings.GOVUK_PAGE_CACHE_SIZE)
            app.after_request(compression.compress_response)
            app.register_blueprint(templating.frontend_templates)
            app.register_blueprint(health.create_blueprint())
            app.context_processor(templating.context)
            analytics.init_app(app)
            errors.register(app)
            overlaps.init_app(app)
            auth.init_app(app, settings)
            templating.check_forms_extra(app)
        responses.init_app(app)
        app.extensions[EXTENSION_KEY] = LayoutState(extension=self, settings=settings)
