"""Check the status of a request by its reference."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from example import forms, journey, submissions
from example.model import AccessRequest, normalise_reference
from example.repository import StoreUnavailable
from govuk_layout import no_store, render_page

bp = Blueprint("status", __name__, url_prefix="/status")


def _find(reference: str) -> AccessRequest | None:
    try:
        return submissions.current_store().get(reference)
    except StoreUnavailable as error:
        current_app.logger.warning("status lookup failed: %s", error)
        raise ServiceUnavailable() from error


@bp.route("", methods=["GET", "POST"])
@no_store
def lookup() -> Response | tuple[str | Response, int]:
    if request.method == "GET":  # the empty form, the same for everyone: from the page cache
        return render_page("status.html", context=_empty_form, reads_answers=False), 200
    form = forms.StatusForm()
    status = 200
    if form.validate_on_submit():
        reference = normalise_reference(form.reference.data or "")
        if reference and _find(reference) is not None:
            return redirect(url_for("status.detail", reference=reference))
        form.reference.errors = [
            gettext(
                "No request found with reference %(reference)s. Check the reference and try again",
                reference=reference,
            )
        ]
        status = 404
    elif form.errors:
        status = 400
    return render_template("status.html", form=form), status


def _empty_form() -> dict[str, forms.StatusForm]:
    return {"form": forms.StatusForm()}


@bp.get("/<reference>")
@no_store
def detail(reference: str) -> Response | str:
    canonical = normalise_reference(reference)
    if canonical is None:
        abort(404)
    if canonical != reference:
        return redirect(url_for("status.detail", reference=canonical))
    found = _find(canonical)
    if found is None:
        abort(404)
    return render_template("status_detail.html", request_=found, answer_rows=journey.current().public_rows(found))
