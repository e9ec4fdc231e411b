"""The "request access" journey: one question per page, check your answers, confirmation."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from example import forms, journey, submissions
from example.repository import StoreUnavailable
from govuk_layout import session_expired

bp = Blueprint("request_access", __name__, url_prefix="/request")


@bp.before_request
def _expired() -> Response | None:
    """Every page of the journey needs its answers: when they were deleted, say so."""
    return redirect(url_for("govuk_layout.session_expired")) if session_expired() else None


def _question_url(question: journey.Question, change: bool = False) -> str:
    return url_for("request_access.question", slug=question.slug, change="1" if change else None)


@bp.route("/<slug>", methods=["GET", "POST"])
def question(slug: str) -> Response | tuple[str, int]:
    current = journey.BY_SLUG.get(slug)
    if current is None:
        abort(404)
    if journey.submitted_reference():
        if journey.previous(current) is not None:
            return redirect(url_for("request_access.confirmation"))
        journey.start_again()  # the first question after a submit begins a new request
    missing = journey.first_unanswered(before=current)
    if missing is not None:
        return redirect(_question_url(missing))

    changing = request.args.get("change") == "1"
    if request.method == "POST":
        form = current.form()  # only what was posted: a missing field is an error, not the old answer
    else:
        form = current.form(data={current.field: current.form_data(journey.answers().get(current.field))})
    if form.validate_on_submit():
        journey.save(current, current.stored(form))
        after = None if changing else journey.following(current)
        after = after or journey.first_unanswered()
        return redirect(_question_url(after) if after else url_for("request_access.check_answers"))

    before = journey.previous(current)
    if changing:
        back = url_for("request_access.check_answers")
    else:
        back = _question_url(before) if before else url_for("start.index")
    html = render_template("question.html", form=form, question=current, back_url=back)
    return html, 400 if form.errors else 200


@bp.route("/check-answers", methods=["GET", "POST"])
def check_answers() -> Response | str:
    if journey.submitted_reference():
        return redirect(url_for("request_access.confirmation"))
    missing = journey.first_unanswered()
    if missing is not None:
        return redirect(_question_url(missing))
    form = forms.SubmitForm()
    if form.validate_on_submit():
        reference, token = journey.identity()
        try:
            stored = submissions.submit(journey.answers(), reference, token)
        except StoreUnavailable as error:
            # The answers stay in the session, so submitting again after recovery just works.
            current_app.logger.warning("request not stored: %s", error)
            raise ServiceUnavailable() from error
        journey.mark_submitted(stored)
        return redirect(url_for("request_access.confirmation"))
    answers = journey.answers()
    rows = [
        {
            "key": {"text": question.summary},
            "value": {"text": question.display(answers[question.field])},
            "actions": {
                "items": [
                    {
                        "href": _question_url(question, change=True),
                        "text": "Change",
                        "visuallyHiddenText": question.summary.lower(),
                    }
                ]
            },
        }
        for question in journey.QUESTIONS
    ]
    back = _question_url(journey.QUESTIONS[-1])
    return render_template("check_answers.html", form=form, rows=rows, back_url=back)


@bp.get("/confirmation")
def confirmation() -> Response | str:
    reference = journey.submitted_reference()
    if reference is None:
        return redirect(url_for("start.index"))
    return render_template("confirmation.html", reference=reference)
