"""One error handler: HTTP errors become GOV.UK pages with their own status; anything else is a 500."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from govuk_layout import csrf, fallbacks
from govuk_layout.config import DEFAULT_BASE_TEMPLATE

PAGES = (400, 403, 404, 405, 413, 429, 500, 503)
# Headers an HTTP error carries that the browser still needs on the GOV.UK page.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def render_page(code: int, error: HTTPException) -> Response:
    """The GOV.UK page for an HTTP error, with the headers the browser needs (Allow, Retry-After)."""
    template = f"govuk_layout/errors/{code if code in PAGES else 'default'}.html"
    # Werkzeug's stock descriptions are English prose for developers; only an app's own one is shown.
    context: dict[str, Any] = {"detail": error.description if error.description != type(error).description else None}
    if isinstance(error, CSRFError):  # its own page: say why, and lead back to the form
        template, context = "govuk_layout/errors/csrf.html", {"back_url": csrf.back_url()}
    context.update(error=error, status_code=code, request_id=g.get("request_id"))
    try:
        body = render_template(template, **context)
    except Exception:  # the error page itself failed: still never show a traceback
        current_app.logger.exception("error page %s failed to render", template)
        body = _without_service_layout(template, context)
    response = Response(body, status=code, mimetype="text/html")
    for name, value in error.get_headers():
        if name in _KEPT_HEADERS:
            response.headers[name] = value
    if code == 503:  # every cause of a 503 here is a dependency that usually comes back within a minute
        response.headers.setdefault("Retry-After", str(fallbacks.RETRY_AFTER))
    return response


def _without_service_layout(template: str, context: dict[str, Any]) -> str:
    """The error page on the package's own layout, for when the service's (GOVUK_BASE_TEMPLATE) is what failed."""
    config = current_app.config
    if config.get("GOVUK_BASE_TEMPLATE", DEFAULT_BASE_TEMPLATE) != DEFAULT_BASE_TEMPLATE:
        try:  # an explicit ``config`` wins over the one Flask's context processor adds
            return render_template(template, **context, config={**config, "GOVUK_BASE_TEMPLATE": DEFAULT_BASE_TEMPLATE})
        except Exception:
            current_app.logger.exception("error page %s failed to render on the package's layout too", template)
    heading = "Sorry, there is a problem with the service"
    return f"<!DOCTYPE html><title>{heading}</title><h1>{heading}</h1>"


def handle_exception(error: Exception) -> Response | HTTPException:
    if isinstance(error, HTTPException):
        if error.code is None or error.code < 400:  # routing redirects are not errors
            return error
        return render_page(error.code, error)
    current_app.logger.exception("unhandled exception")
    return render_page(500, InternalServerError(original_exception=error))


def register(app: Flask) -> None:
    app.register_error_handler(Exception, handle_exception)
