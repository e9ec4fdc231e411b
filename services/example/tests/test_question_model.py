"""Questions are declarations: one more declaration is a new page, row, stored attribute and (if public) status row."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

import pytest
from example_support import reference_on, table_items, valid_answers
from flask import Flask
from flask.testing import FlaskClient
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from werkzeug.test import TestResponse
from wtforms import StringField
from wtforms.validators import DataRequired

from example.forms import strip
from example.journey import Journey, Question
from example.questions import HEADING_LABEL, QUESTIONS
from govuk_layout.testing.processes import ServerProcess

# The whole cost of a new question: this declaration (its text included).
TEAM = Question(
    "team",
    "team",
    "Team",
    StringField(
        "Which team are you in?",
        description="For example, Analytical Platform",
        validators=[DataRequired("Enter your team")],
        filters=[strip],
        widget=GovTextInput(),
    ),
    HEADING_LABEL,
    show=str.upper,
    public=True,
)
ASKED = (*QUESTIONS[:3], TEAM, *QUESTIONS[3:])  # asked after the organisation


@pytest.fixture
def app(make_app: Callable[..., Flask], moto: ServerProcess) -> Flask:
    return make_app(moto.url, questions=ASKED)


def _back_link(page: str) -> str:
    link = re.search(r'<a [^>]*class="govuk-back-link"[^>]*>', page)
    href = re.search(r'href="([^"]*)"', link.group(0)) if link else None
    assert href, "no back link"
    return href.group(1)


def _answers() -> dict[str, dict[str, object]]:
    answers = valid_answers()
    return {
        **dict(list(answers.items())[:3]),
        "team": {"team": " Analytical Platform "},
        **dict(list(answers.items())[3:]),
    }


def test_a_declared_question_is_asked_checked_stored_and_shown(
    app: Flask, client: FlaskClient, post_form: Callable[..., TestResponse]
) -> None:
    # It has its own page, in its place, with its text and its own error message.
    assert client.get("/request/team").headers["Location"] == "/request/full-name"
    previous = "/"
    for slug, data in _answers().items():
        page = client.get(f"/request/{slug}").get_data(as_text=True)
        assert _back_link(page) == previous
        if slug == "team":
            assert "<title>Which team are you in? – " in page
            assert "For example, Analytical Platform" in page
            with post_form("/request/team", {"team": ""}) as invalid:
                assert invalid.status_code == 400
                assert 'href="#team">Enter your team</a>' in invalid.get_data(as_text=True)
        with post_form(f"/request/{slug}", data) as answered:
            assert answered.status_code == 302, slug
        previous = f"/request/{slug}"
    assert answered.headers["Location"] == "/request/check-answers"

    # Check your answers has its row, shown as declared, with a Change link that comes back.
    check = html_lib.unescape(client.get("/request/check-answers").get_data(as_text=True))
    assert re.search(r"Team\s*</dt>\s*<dd[^>]*>\s*ANALYTICAL PLATFORM", check)
    assert re.findall(r'href="/request/([a-z-]+)\?change=1"', check) == [question.slug for question in ASKED]
    with post_form("/request/team?change=1", {"team": "Data Engineering"}) as changed:
        assert changed.headers["Location"] == "/request/check-answers"

    # The stored item has an attribute for it (as parsed: stripped), and the status page shows it.
    with post_form("/request/check-answers"):
        pass
    reference = reference_on(client.get("/request/confirmation").get_data(as_text=True))
    [item] = table_items(app)
    assert item["team"] == {"S": "Data Engineering"}
    assert item["reference"] == {"S": reference}
    status = html_lib.unescape(client.get(f"/status/{reference}").get_data(as_text=True))
    rows = re.findall(r'govuk-summary-list__key">\s*([^<]+?)\s*</dt>', status)
    assert rows == ["Reference", "Status", "Organisation", "Team", "Access needed from", "Sent on"]
    assert "DATA ENGINEERING" in status


def test_only_picked_answers_are_kept_formatted_never_what_someone_wrote() -> None:
    # Question.displayer memoizes across visitors: only for a choice or a parsed value (a date), never free text.
    assert [question.name for question in ASKED if question.closed] == ["organisation", "start_date"]
    name = next(question for question in ASKED if question.name == "full_name")
    assert not hasattr(name.displayer(), "cache_info")
    assert next(question for question in ASKED if question.closed).displayer().cache_info().maxsize is not None


def test_the_default_questions_keep_private_answers_off_the_status_page() -> None:
    public = [question.summary for question in QUESTIONS if question.public]
    assert public == ["Organisation", "Access needed from"]


@pytest.mark.parametrize(
    ("questions", "problem"),
    [
        ((*QUESTIONS, QUESTIONS[0]), "each question needs its own slug and name"),
        ((*QUESTIONS, Question("other", "email", "Other", TEAM.field)), "each question needs its own slug and name"),
        ((Question("status", "status", "Status", TEAM.field),), "are the stored item's own attributes"),
    ],
)
def test_clashing_declarations_are_refused(questions: tuple[Question, ...], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Journey(questions)
