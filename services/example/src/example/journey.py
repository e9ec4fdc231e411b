"""The question pages in order, and the answers kept in the server-side session between them."""

from __future__ import annotations

import copy
import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from flask import session
from flask_wtf import FlaskForm

from example import forms
from example.model import ORGANISATIONS, new_reference, new_token
from govuk_layout import rotate_session

SESSION_KEY = "request_access"


@dataclass(frozen=True)
class Question:
    slug: str  # the page's URL path segment
    form: type[FlaskForm]
    field: str  # the form field, and the answer's key in the session
    summary: str  # the row's key on check your answers
    params: dict[str, Any] = dataclasses.field(default_factory=dict)  # govuk-frontend macro params for the widget

    def widget_params(self, form: FlaskForm) -> dict[str, Any]:
        """A fresh copy of ``params`` for one render; a fieldset's legend carries the label text."""
        params = copy.deepcopy(self.params)
        if not form[self.field].description:
            params["hint"] = None  # the widgets would otherwise render an empty hint
        if "fieldset" in params:
            params["fieldset"]["legend"]["text"] = form[self.field].label.text
        return params

    def stored(self, form: FlaskForm) -> str:
        value = form[self.field].data
        return value.isoformat() if isinstance(value, datetime.date) else str(value)

    def form_data(self, answer: str | None) -> Any:
        if answer is not None and self.field == "start_date":
            return datetime.date.fromisoformat(answer)
        return answer

    def display(self, answer: str) -> str:
        if self.field == "start_date":
            day = datetime.date.fromisoformat(answer)
            return f"{day.day} {day:%B %Y}"
        if self.field == "organisation":
            return ORGANISATIONS.get(answer, answer)
        return answer


_HEADING_LABEL = {"label": {"isPageHeading": True, "classes": "govuk-label--l"}}
_HEADING_LEGEND = {"fieldset": {"legend": {"isPageHeading": True, "classes": "govuk-fieldset__legend--l"}}}

QUESTIONS = (
    Question(
        "full-name",
        forms.FullNameForm,
        "full_name",
        "Full name",
        {**_HEADING_LABEL, "autocomplete": "name", "spellcheck": False},
    ),
    Question(
        "email",
        forms.EmailForm,
        "email",
        "Work email address",
        {**_HEADING_LABEL, "type": "email", "autocomplete": "email", "spellcheck": False},
    ),
    Question("organisation", forms.OrganisationForm, "organisation", "Organisation", _HEADING_LEGEND),
    Question("reason", forms.ReasonForm, "reason", "Why you need access", {**_HEADING_LABEL, "maxlength": 500}),
    Question("start-date", forms.StartDateForm, "start_date", "Access needed from", _HEADING_LEGEND),
)
BY_SLUG = {question.slug: question for question in QUESTIONS}


def _state() -> dict[str, Any]:
    return dict(session.get(SESSION_KEY) or {})


def answers() -> dict[str, str]:
    return dict(_state().get("answers") or {})


def first_unanswered(before: Question | None = None) -> Question | None:
    """The first question without an answer (only those before ``before``, if given)."""
    given = answers()
    for question in QUESTIONS:
        if question is before:
            return None
        if question.field not in given:
            return question
    return None


def save(question: Question, value: str) -> None:
    state = _state()
    if not state:
        rotate_session()  # the journey starts: any id this browser was given before leads nowhere now
    # The reference is fixed when the journey starts, so every submit of it is the same request.
    state.setdefault("reference", new_reference())
    state.setdefault("token", new_token())
    state["answers"] = {**(state.get("answers") or {}), question.field: value}
    session[SESSION_KEY] = state


def identity() -> tuple[str, str]:
    """This journey's (reference, token)."""
    state = _state()
    return str(state["reference"]), str(state["token"])


def mark_submitted(reference: str) -> None:
    """The request is stored: forget the answers, keep only the reference for the confirmation page."""
    session[SESSION_KEY] = {"reference": reference, "submitted": True}
    rotate_session()


def submitted_reference() -> str | None:
    state = _state()
    return str(state["reference"]) if state.get("submitted") else None


def start_again() -> None:
    session.pop(SESSION_KEY, None)


def previous(question: Question) -> Question | None:
    index = QUESTIONS.index(question)
    return QUESTIONS[index - 1] if index else None


def following(question: Question) -> Question | None:
    index = QUESTIONS.index(question)
    return QUESTIONS[index + 1] if index + 1 < len(QUESTIONS) else None
