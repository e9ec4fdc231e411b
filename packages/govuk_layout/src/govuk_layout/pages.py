"""The standard pages every GOV.UK service needs: cookies, accessibility and privacy."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from govuk_layout import analytics, consent, sessions
from govuk_layout.cached_pages import render_page
from govuk_layout.urls import safe_return_path

BANNER_FLASH = "govuk_layout.cookie_banner"
PAGE_FLASH = "govuk_layout.cookie_page"


def _choice() -> str | None:
    """The posted choice: 'yes' or 'no' with analytics on, ESSENTIAL (the banner hidden) without; else None."""
    if analytics.measurement_id():
        choice = request.form.get("analytics")
        return choice if choice in consent.CHOICES else None
    return consent.ESSENTIAL if request.form.get("cookies") == "hide" else None


def cookies() -> Response | tuple[str | Response, int]:
    if request.method == "POST":
        choice = _choice()
        from_banner = request.form.get("source") == "banner"
        if choice:
            target = safe_return_path(request.form.get("next")) or url_for("govuk_layout.cookies")
            response = redirect(target if from_banner else url_for("govuk_layout.cookies"))
            consent.remember(response, choice)
            if choice != consent.ESSENTIAL:  # hiding the essential-cookies message needs no confirmation
                flash(choice, BANNER_FLASH if from_banner else PAGE_FLASH)
            return response
        if from_banner or not analytics.measurement_id():  # without analytics the page has no question
            abort(400)
        error = gettext("Select yes if you want to accept analytics cookies")
        return render_template("govuk_layout/pages/cookies.html", error=error), 400
    # The same for everyone with this cookie choice (in the page cache's key); a flashed "saved" is never cached.
    return render_page("govuk_layout/pages/cookies.html", reads_answers=False, error=None), 200


def accessibility() -> Response:
    # Shows no one's data, whatever the session holds: from the page cache.
    return render_page("govuk_layout/pages/accessibility.html", reads_answers=False)


def privacy() -> Response:
    # As accessibility().
    return render_page("govuk_layout/pages/privacy.html", reads_answers=False)


def create_blueprint(static_folder: Path, static_url_path: str) -> Blueprint:
    """A blueprint carrying the package's templates, the standard pages and the govuk-frontend assets."""
    blueprint = Blueprint(
        "govuk_layout",
        __name__,
        template_folder="templates",
        static_folder=str(static_folder),
        static_url_path=static_url_path,
    )
    blueprint.add_url_rule("/cookies", view_func=cookies, methods=["GET", "POST"])
    blueprint.add_url_rule("/accessibility", view_func=accessibility)
    blueprint.add_url_rule("/privacy", view_func=privacy)
    blueprint.add_url_rule("/session/expired", "session_expired", view_func=sessions.expired_page)
    blueprint.add_url_rule("/session/extend", "session_extend", view_func=sessions.extend)
    return blueprint
