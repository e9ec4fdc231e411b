"""Warn when an app also sets up what govuk-layout already does: its own CSRFProtect, Limiter or 404 handler.

Two CSRFProtects check every post twice, two Limiters count every request twice, and an
app-wide 404 handler replaces the GOV.UK 404 page. None of these fail, so they would go
unnoticed. Apps usually add them after ``init_app``, so the check runs at the first request.
"""

from __future__ import annotations

from flask import Flask

from govuk_layout import hooks


def overlaps(app: Flask) -> list[str]:
    """What ``app`` registered that govuk-layout already provides, one sentence each."""
    found = []
    app_hooks = hooks.unpacked(app.before_request_funcs.get(None, []))  # govuk-layout's own among them
    csrf_hooks = [hook for hook in app_hooks if getattr(hook, "__qualname__", "").startswith("CSRFProtect.")]
    if len(csrf_hooks) > 1:
        found.append("a CSRFProtect of its own: govuk-layout already protects every form (WTF_CSRF_ENABLED)")
    # Flask-Limiter's key; govuk-layout's own limits (limits.py) are not registered under it.
    if app.config.get("RATELIMIT_ENABLED") and app.extensions.get("limiter"):
        found.append("a Limiter of its own: govuk-layout already limits every view (RATELIMIT_*)")
    if app.error_handler_spec.get(None, {}).get(404):
        found.append("an app-wide 404 error handler: it replaces the GOV.UK 404 page (override the template instead)")
    return found


def init_app(app: Flask) -> None:
    """Log each overlap once, at the app's first request."""
    checked = False

    def check() -> None:
        nonlocal checked
        if checked:
            return
        checked = True
        for overlap in overlaps(app):
            app.logger.warning("%s has %s", app.name, overlap)

    app.before_request(check)
