"""What a question is, the journey through the app's questions, and the answers kept in the server-side session.

The questions themselves are declared in ``questions.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Flask, current_app, session
from flask_babel import LazyString
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from example.model import AccessRequest, new_reference, new_token
from govuk_layout import Answer, rotate_session
from govuk_layout.widgets import GovCharacterCount, GovTextArea, GovTextInput

# The widgets that print a field's value once, as text (an input's value, a textarea's content).
ONE_VALUE_WIDGETS = (GovTextInput, GovTextArea, GovCharacterCount)
SESSION_KEY = "request_access"
# How many shown answers a closed question keeps, per language and mount point (``Question.displayer``).
DISPLAY_MEMO_SIZE = 128
EXTENSION_KEY = "example.journey"
Value = TypeVar("Value")


@dataclass(frozen=True)
class Codec(Generic[Value]):
    """How a parsed answer is kept as text, in the session and in the stored item, and read back."""

    dump: Callable[[Value], str]
    load: Callable[[str], Value]


TEXT: Codec[str] = Codec(str, str)
DATE: Codec[datetime.date] = Codec(datetime.date.isoformat, datetime.date.fromisoformat)


def summary_value(shown: str | LazyString) -> dict[str, Answer]:
    """An answer as a summary list row's value: an Answer, so a cached list or page keeps a placeholder for it
    (govuk_layout.components, govuk_layout.render_page)."""
    return {"text": Answer(shown)}


@dataclass(frozen=True)
class Question:
    """One question page: everything the journey, check your answers, the store and the status page need."""

    slug: str  # the page's URL path segment
    name: str  # the form field, the answer's key in the session and its attribute in the stored item
    summary: str | LazyString  # the row's key on check your answers (and on the status page)
    field: UnboundField  # how it is asked and parsed: a WTForms field with its label, hint, validators and widget
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # govuk-frontend macro params for the widget
    codec: Codec[Any] = TEXT  # how the parsed value is kept as text
    show: Callable[[Any], str | LazyString] = str  # how the parsed value reads on a page
    public: bool = False  # shown on the status page, which anyone holding the reference can see

    @functools.cached_property
    def form(self) -> type[FlaskForm]:
        """The page's form: the CSRF token and this one field."""
        return type(f"{self.name.title().replace('_', '')}Form", (FlaskForm,), {self.name: self.field})

    @functools.cached_property
    def shows_answer_as_value(self) -> bool:
        """Whether a kept answer shows on the page only as the field's value, as it is kept (a text field).

        Then the page can print it in the field's place (``question.html``'s ``saved``) and the page cache
        keeps the page with a placeholder there; a choice or a date shapes the field, so those do not.
        """
        return self.codec is TEXT and isinstance(self.field.kwargs.get("widget"), ONE_VALUE_WIDGETS)

    def widget_params(self, form: FlaskForm) -> dict[str, Any]:
        """A fresh copy of ``params`` for one render; a fieldset's legend carries the label text."""
        params = copy.deepcopy(dict(self.params))
        if not form[self.name].description:
            params["hint"] = None  # the widgets would otherwise render an empty hint
        if "fieldset" in params:
            params["fieldset"]["legend"]["text"] = form[self.name].label.text
        return params

    def stored(self, form: FlaskForm) -> str:
        """The valid answer on ``form``, as text."""
        return self.codec.dump(form[self.name].data)

    def form_data(self, answer: str | None) -> Any:
        """A kept answer as the form field's data, to show it again."""
        return None if answer is None else self.codec.load(answer)

    def display(self, answer: str) -> str | LazyString:
        return self.show(self.codec.load(answer))

    @functools.cached_property
    def closed(self) -> bool:
        """Whether every answer is one of few values a visitor picks rather than writes: a choice, or a value
        parsed into something other than text (a date). Its shown text carries nothing of anyone's own words."""
        return self.codec is not TEXT or bool(self.field.kwargs.get("choices"))

    def displayer(self) -> Callable[[str], str]:
        """``display`` as text, for use in one language only (the caller keeps one per language).

        A closed question's is memoized in a bounded LRU (formatting a date through Babel, or translating a
        choice, costs more than the rest of a row): what it keeps is a function of the stored value alone, an
        entry is found only by presenting that value, and free text (a name, an email, a reason) never enters.
        """

        def shown(answer: str) -> str:
            return str(self.display(answer))

        return functools.lru_cache(maxsize=DISPLAY_MEMO_SIZE)(shown) if self.closed else shown

    def value(self, answer: str) -> dict[str, Answer]:
        return summary_value(self.display(answer))

    def row(self, answer: str) -> dict[str, Any]:
        """The answer's row in a govuk-frontend summary list, with the question in the page's language."""
        return {"key": {"text": str(self.summary)}, "value": self.value(answer)}


class Journey:
    """The app's questions in order: one page each, then check your answers."""

    def __init__(self, questions: Sequence[Question]) -> None:
        self.questions = tuple(questions)
        self.by_slug = {question.slug: question for question in self.questions}
        names = [question.name for question in self.questions]
        if len(self.by_slug) != len(names) or len(set(names)) != len(names):
            raise ValueError("each question needs its own slug and name")
        if clash := AccessRequest.RESERVED.intersection(names):
            raise ValueError(f"question names {sorted(clash)} are the stored item's own attributes")

    def first_unanswered(self, given: Mapping[str, str], before: Question | None = None) -> Question | None:
        """The first question without an answer (only those before ``before``, if given)."""
        for question in self.questions:
            if question is before:
                return None
            if question.name not in given:
                return question
        return None

    def previous(self, question: Question) -> Question | None:
        index = self.questions.index(question)
        return self.questions[index - 1] if index else None

    def following(self, question: Question) -> Question | None:
        index = self.questions.index(question)
        return self.questions[index + 1] if index + 1 < len(self.questions) else None

    def collected(self, given: Mapping[str, str]) -> dict[str, str]:
        """The answer to every question, in order (the journey has checked none is missing)."""
        return {question.name: given[question.name] for question in self.questions}

    def rows(self, request: AccessRequest, public_only: bool = False) -> list[dict[str, Any]]:
        """Summary-list rows of the answers, in order: every one (for staff), or only the public ones."""
        return [
            question.row(request.answers[question.name])
            for question in self.questions
            if (question.public or not public_only) and question.name in request.answers
        ]

    def public_rows(self, request: AccessRequest) -> list[dict[str, Any]]:
        """Summary-list rows of the answers the status page may show."""
        return self.rows(request, public_only=True)


def init_app(app: Flask, questions: Sequence[Question]) -> Journey:
    journey = Journey(questions)
    app.extensions[EXTENSION_KEY] = journey
    return journey


def current() -> Journey:
    """The current app's journey."""
    journey: Journey = current_app.extensions[EXTENSION_KEY]
    return journey


@dataclass(frozen=True)
class Progress:
    """This journey in the session, read once for a request. Change it only through ``save`` and the rest."""

    answers: Mapping[str, str]
    submitted: str | None  # the reference once the request is stored (the answers are gone then)


def progress() -> Progress:
    state = session.get(SESSION_KEY) or {}
    return Progress(state.get("answers") or {}, str(state["reference"]) if state.get("submitted") else None)


def _state() -> dict[str, Any]:
    return dict(session.get(SESSION_KEY) or {})


def save(question: Question, value: str) -> None:
    state = _state()
    if not state:
        rotate_session()  # the journey starts: any id this browser was given before leads nowhere now
    # The reference is fixed when the journey starts, so every submit of it is the same request.
    state.setdefault("reference", new_reference())
    state.setdefault("token", new_token())
    state["answers"] = {**(state.get("answers") or {}), question.name: value}
    session[SESSION_KEY] = state


def identity() -> tuple[str, str]:
    """This journey's (reference, token)."""
    state = _state()
    return str(state["reference"]), str(state["token"])


def mark_submitted(reference: str) -> None:
    """The request is stored: forget the answers, keep only the reference for the confirmation page."""
    session[SESSION_KEY] = {"reference": reference, "submitted": True}
    rotate_session()


def start_again() -> None:
    session.pop(SESSION_KEY, None)
