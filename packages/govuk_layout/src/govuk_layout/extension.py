"""The GovukLayout Flask extension."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from govuk_layout import (
    assets,
    chrome,
    compression,
    csrf,
    errors,
    health,
    inputs,
    limits,
    observability,
    pages,
    security,
    sessions,
    static,
    templating,
)
from govuk_layout.config import LayoutSettings, load_settings

EXTENSION_KEY = "govuk_layout"


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

    def init_app(self, app: Flask) -> None:
        """Register templates, standard pages, error pages, assets and health endpoints on ``app``.

        ``/healthz`` and ``/readyz`` come from the ``govuk_health`` blueprint; add readiness
        checks with ``app.extensions["govuk_layout"].add_readiness_check(name, check)``.

        Every key can be set in ``app.config`` or as an environment variable of
        the same name (``app.config`` wins). Keys:

        - ``GOVUK_SERVICE_NAME`` (required): shown in the service navigation and page titles.
        - ``GOVUK_CONTACT_EMAIL`` (required): contact address on the standard pages.
        - ``GOVUK_SERVICE_URL``: where the service name links to. Default ``/``.
        - ``GOVUK_PHASE``: ``alpha``, ``beta`` or ``live``; live hides the phase banner. Default ``beta``.
        - ``GOVUK_FEEDBACK_URL``: the phase banner's feedback link. Default ``mailto:`` the contact email.
        - ``GOVUK_DEPARTMENT``: the organisation responsible for the service. Default ``Ministry of Justice``.
        - ``GOVUK_NAVIGATION``: service navigation links, a list of ``{"text", "href"}`` (JSON in the environment).
        - ``GOVUK_ENVIRONMENT``: ``development`` or ``production``. Default ``production``.
        - ``GOVUK_ASSETS_URL``: URL path the govuk-frontend files are served from (by WhiteNoise, fingerprinted,
          pre-compressed and cached for a year). Default ``/assets``.
        - ``GOVUK_ASSETS_DIR``: folder holding the installed govuk-frontend files. Default: inside the package.
        - ``GOVUK_COOKIE_CONSENT_NAME``: the cookie that remembers the analytics choice. Default ``cookies_policy``.
        - ``GOVUK_ACCESSIBILITY_REVIEWED``: date the accessibility statement was last reviewed (ISO date).
        - ``GOVUK_DATA_RETENTION``: the retention sentence in the privacy notice.
        - ``SECRET_KEY``: required when ``GOVUK_ENVIRONMENT`` is ``production``; generated per process in development.

        Security, on by default (security.py, csrf.py, limits.py, inputs.py):

        - ``GOVUK_SECURITY_HEADERS``: send CSP, HSTS, nosniff, Referrer-Policy, Permissions-Policy,
          X-Frame-Options and Cross-Origin-Opener-Policy on every response, static files too. Default on.
        - ``GOVUK_CONTENT_SECURITY_POLICY``: directive -> sources; script-src must be present (this request's
          nonce is added to it, exposed to templates as ``cspNonce``) and never allows unsafe-inline/eval.
          Default: same-origin only, ``frame-ancestors 'none'``, ``object-src 'none'``.
        - ``GOVUK_HSTS_MAX_AGE``: seconds for Strict-Transport-Security (sent over https); 0 turns it off.
          Default one year, with includeSubDomains.
        - ``GOVUK_REFERRER_POLICY``: Default ``strict-origin-when-cross-origin``.
        - ``GOVUK_PERMISSIONS_POLICY``: feature -> allowlist. Default: camera, microphone, geolocation,
          payment, usb, sensors and topics all ``()``.
        - ``GOVUK_CROSS_ORIGIN_OPENER_POLICY``: Default ``same-origin``.
        - ``GOVUK_FORCE_HTTPS``: redirect plain-http requests to https. Default off: the ingress redirects,
          and the kubelet's probes arrive over http.
        - ``GOVUK_PROXY_FIX_HOPS``: proxies whose X-Forwarded-For/-Proto/-Host are trusted. Default 1 (the
          ingress); 0 when nothing sits in front of the app.
        - ``GOVUK_SECURE_COOKIES``: the session cookie's Secure flag. Default: on except in development.
          HttpOnly and SameSite=Lax are always set.
        - ``WTF_CSRF_ENABLED``: CSRF tokens on every POST, PUT, PATCH and DELETE. Default on.
        - ``WTF_CSRF_TIME_LIMIT``: seconds a token is valid. Default none: as long as the session.
        - ``RATELIMIT_ENABLED``: limit requests per client address. Default on.
        - ``RATELIMIT_DEFAULT``: the limit per view, in Flask-Limiter's notation. Default ``300 per minute``.
        - ``RATELIMIT_STORAGE_URI``: where counters live. Default: ``memory://`` in development and tests,
          else ``REDIS_URL``, which production then requires.
        - ``REDIS_URL``: the Redis that shares counters across workers and replicas in production.
        - ``RATELIMIT_KEY_PREFIX``: prefix of the counters' keys in Redis. Default: the app's import name.
        - ``GOVUK_RATELIMIT_EXEMPT_BLUEPRINTS``: blueprint names never limited. Default ``["govuk_health"]``.
        - ``GOVUK_MAX_CONTENT_LENGTH``: largest request body in bytes (413 page above it), unless
          ``MAX_CONTENT_LENGTH`` is set. Default 1 MiB.

        Operability, on by default (observability.py):

        - ``GOVUK_JSON_LOGS``: the app's log lines as JSON on stdout, each with the request id.
        - ``GOVUK_REQUEST_LOG``: one line per request: request id, method, path, status, duration.
        - ``GOVUK_METRICS``: Prometheus request counters and durations per endpoint (served on
          ``METRICS_PORT`` by gunicorn's master, never through the Ingress).
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError("GovukLayout is already registered on this app; call init_app once per app.")
        settings = load_settings(app, self.settings_class)
        if not app.secret_key:  # only reachable in development: production is refused by the schema
            app.secret_key = secrets.token_hex(32)
        # The request id first, so every later hook and log line has it; its after_request runs last.
        observability.init_app(app)
        # Security first, so its hooks run before any other: nonce, rate limit, input checks, then CSRF.
        security.init_app(app)
        limits.init_app(app)
        inputs.init_app(app)
        sessions.init_app(app)
        csrf.init_app(app)

        assets_dir = Path(settings.GOVUK_ASSETS_DIR) if settings.GOVUK_ASSETS_DIR else assets.DEFAULT_DEST
        if not assets.is_current(assets_dir):
            app.logger.warning(
                "govuk-frontend %s is not installed in %s: run `govuk-layout assets`",
                assets.GOVUK_FRONTEND_VERSION,
                assets_dir,
            )
        app.register_blueprint(pages.create_blueprint(assets_dir, settings.GOVUK_ASSETS_URL))
        static.register(
            app, assets_dir, settings.GOVUK_ASSETS_URL, extra_headers=security.static_security_headers(app.config)
        )
        app.jinja_env.add_extension(chrome.ChromeCache)
        app.after_request(compression.compress_response)
        app.register_blueprint(templating.frontend_templates)
        app.register_blueprint(health.create_blueprint())
        app.context_processor(templating.context)
        errors.register(app)
        app.extensions[EXTENSION_KEY] = LayoutState(extension=self, settings=settings)
