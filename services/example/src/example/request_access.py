"""The "request access" journey: one question per page, check your answers, confirmation."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from example import forms, journey, submissions
from example.repository import StoreUnavailable
from govuk_layout import Answer, render_page, session_expired
from govuk_layout.components import Fixed
from govuk_layout.i18n import current_language

bp = Blueprint("request_access", __name__, url_prefix="/request")


@bp.before_request
def _expired() -> Response | None:
    """Every page of the journey needs its answers: when they were deleted, say so."""
    return redirect(url_for("govuk_layout.session_expired")) if session_expired() else None


def _question_url(question: journey.Question, change: bool = False) -> str:
    return _url("request_access.question", question.slug, change)


def _url(endpoint: str, slug: str | None = None, change: bool = False) -> str:
    """``url_for`` of a page of the journey: the same for every request at a mount point, so worked out once."""
    return _url_at(request.script_root, endpoint, slug, change)


@functools.lru_cache(maxsize=256)  # bounded: the mount point comes from a request header (X-Forwarded-Prefix)
def _url_at(script_root: str, endpoint: str, slug: str | None, change: bool) -> str:
    # ``script_root`` is only the cache's key: url_for reads it from the request.
    values: dict[str, Any] = {"slug": slug} if slug else {}
    return url_for(endpoint, **values, change="1" if change else None)


@bp.route("/<slug>", methods=["GET", "POST"])
def question(slug: str) -> Response | tuple[str | Response, int]:
    steps = journey.current()
    current = steps.by_slug.get(slug)
    if current is None:
        abort(404)
    progress = journey.progress()
    if progress.submitted:
        if steps.previous(current) is not None:
            return redirect(_url("request_access.confirmation"))
        journey.start_again()  # the first question after a submit begins a new request
        progress = journey.progress()
    missing = steps.first_unanswered(progress.answers, before=current)
    if missing is not None:
        return redirect(_question_url(missing))

    # Most question pages have no query string: asking an empty one costs Werkzeug a KeyError.
    changing = bool(request.query_string) and request.args.get("change") == "1"
    before = steps.previous(current)
    if changing:
        back = _url("request_access.check_answers")
    else:
        back = _question_url(before) if before else _url("start.index")
    saved = progress.answers.get(current.name)
    if request.method == "GET" and (saved is None or current.shows_answer_as_value):
        # No error on the page, and no answer or one the field prints as its value: the same for everyone but
        # the answer, so from the page cache, the answer an Answer in its place (the form is built only when
        # the page is rendered; the question, the path's, goes with it, as no key can hold it).
        shown = {} if saved is None else {"saved": Answer(saved)}
        empty = functools.partial(_empty_form, current)
        return render_page("question.html", context=empty, reads_answers=False, back_url=back, **shown), 200
    # Posted: only what was sent (a missing field is an error, not the old answer); else the saved answer.
    form = current.form() if request.method == "POST" else current.form(data={current.name: current.form_data(saved)})
    if form.validate_on_submit():
        journey.save(current, current.stored(form))
        after = None if changing else steps.following(current)
        after = after or steps.first_unanswered(journey.progress().answers)
        return redirect(_question_url(after) if after else _url("request_access.check_answers"))
    html = render_template("question.html", form=form, question=current, back_url=back)
    return html, 400 if form.errors else 200


def _empty_form(question: journey.Question) -> dict[str, Any]:
    return {"form": question.form(data={question.name: None}), "question": question}


# A question's name, how its answer reads (Question.displayer), and its row's key and change link.
ChangeRow = tuple[str, Callable[[str], str], Fixed, Fixed]


@dataclass(frozen=True)
class _Summary:
    """What check your answers shows besides the answers: the same for everyone in a language and mount point."""

    rows: tuple[ChangeRow, ...]  # each question's key and change link, keyed once (not per request)
    back: str  # the last question


def _summary(steps: journey.Journey) -> _Summary:
    return _summary_for(steps, current_language(), request.script_root)


@functools.lru_cache(maxsize=64)  # bounded: the mount point comes from a request header (X-Forwarded-Prefix)
def _summary_for(steps: journey.Journey, language: str, script_root: str) -> _Summary:
    # ``language`` and ``script_root`` are only the cache's key: gettext, url_for and each displayer (used only in
    # this language) read them from the request.
    change = gettext("Change")
    rows = []
    for question in steps.questions:
        key = str(question.summary)
        link = {"href": _question_url(question, change=True), "text": change, "visuallyHiddenText": key.lower()}
        rows.append((question.name, question.displayer(), Fixed({"text": key}), Fixed({"items": [link]})))
    return _Summary(tuple(rows), _question_url(steps.questions[-1]))


@bp.route("/check-answers", methods=["GET", "POST"])
def check_answers() -> Response | str:
    progress = journey.progress()
    if progress.submitted:
        return redirect(_url("request_access.confirmation"))
    steps, given = journey.current(), progress.answers
    missing = steps.first_unanswered(given)
    if missing is not None:
        return redirect(_question_url(missing))
    if request.method == "POST":
        form = forms.SubmitForm()
        if form.validate_on_submit():
            return _submit(steps, given)
    # The answers are Answers in the rows: the page is kept with placeholders for them (govuk_layout.render_page);
    # the rest of each row is shared by every request in the language, so the cache's key costs little.
    summary = _summary(steps)
    rows = [
        {"key": key, "value": journey.summary_value(shown(given[name])), "actions": actions}
        for name, shown, key, actions in summary.rows
    ]
    return render_page(
        "check_answers.html", context=_submit_form, reads_answers=False, rows=rows, back_url=summary.back
    )


def _submit_form() -> dict[str, FlaskForm]:
    return {"form": forms.SubmitForm()}


def _submit(steps: journey.Journey, given: Mapping[str, str]) -> Response:
    reference, token = journey.identity()
    try:
        stored = submissions.submit(steps.collected(given), reference, token)
    except StoreUnavailable as error:
        # The answers stay in the session, so submitting again after recovery just works.
        current_app.logger.warning("request not stored: %s", error)
        raise ServiceUnavailable() from error
    journey.mark_submitted(stored)
    return redirect(_url("request_access.confirmation"))


@bp.get("/confirmation")
def confirmation() -> Response | str:
    reference = journey.progress().submitted
    if reference is None:
        return redirect(_url("start.index"))
    return render_template("confirmation.html", reference=reference)
