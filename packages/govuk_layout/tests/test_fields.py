"""GovDateField and its validators: GOV.UK's date input rules and messages, in the page's language."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, render_template_string
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField, ValidationError

from govuk_layout.fields import After, Before, Between, GovDateField, InTheFuture, InThePast
from govuk_layout.i18n import uk_today

NAME = "Date of birth"


def _not_2000(form: Form, field: GovDateField) -> None:
    if field.data and field.data.year == 2000:
        raise ValidationError(f"{field.name_in_errors} cannot be in 2000")


class _Form(Form):  # type: ignore[misc]  # WTForms ships no type hints
    born = GovDateField("What is your date of birth?", [_not_2000], name_in_errors=NAME)


def _posted(*parts: str, form: type[Form] = _Form) -> Any:
    return form(MultiDict([("born", part) for part in parts]))


def _parts(date: datetime.date) -> tuple[str, str, str]:
    return str(date.day), str(date.month), str(date.year)


@pytest.mark.parametrize(
    ("parts", "date", "error"),
    [
        (("4", "3", "2021"), datetime.date(2021, 3, 4), None),
        ((" 04 ", "03", "2021"), datetime.date(2021, 3, 4), None),
        (("4", "March", "2021"), datetime.date(2021, 3, 4), None),
        (("4", "sept.", "2021"), datetime.date(2021, 9, 4), None),
        (("4", "Mawrth", "2021"), None, "Date of birth must be a real date"),  # Welsh, in an English-only app
        (("", "", ""), None, "Enter the date of birth"),
        (("", "3", "2021"), None, "Date of birth must include a day"),
        (("4", "", ""), None, "Date of birth must include a month and year"),
        (("", "3", ""), None, "Date of birth must include a day and year"),
        (("31", "2", "2021"), None, "Date of birth must be a real date"),
        (("4", "Janury", "2021"), None, "Date of birth must be a real date"),
        (("4", "13", "2021"), None, "Date of birth must be a real date"),
        (("x", "3", "2021"), None, "Date of birth must be a real date"),
        (("4", "3", "21"), None, "Year must include 4 numbers"),
        (("4", "3", "20211"), None, "Year must include 4 numbers"),
        (("4", "3", "２０２１"), None, "Date of birth must be a real date"),  # full-width digits are not a year
        (("4", "3", "2021", "9"), None, "Date of birth must be a real date"),  # tampered: four parts
        (("4",), None, "Date of birth must be a real date"),  # tampered: one part
        (("4", "3", "2000"), datetime.date(2000, 3, 4), "Date of birth cannot be in 2000"),  # then its validators
    ],
)
def test_a_date_is_read_and_checked_as_govuk_asks(
    app: Flask, parts: tuple[str, ...], date: datetime.date | None, error: str | None
) -> None:
    with app.test_request_context():  # a month's names are the app's languages'
        form = _posted(*parts)
        assert form.validate() is (error is None)
    assert form.born.data == date
    assert form.born.errors == ([error] if error else [])


def test_nothing_posted_is_enter_the_date(app: Flask) -> None:
    with app.test_request_context():
        form = _posted()
        assert not form.validate()
    assert form.born.errors == ["Enter the date of birth"]


@pytest.mark.parametrize("parts", [("4", "3", "2021", "9"), ("4",), ("4", "3")])
def test_a_tampered_post_renders_three_inputs_holding_what_was_typed(app: Flask, parts: tuple[str, ...]) -> None:
    with app.test_request_context():
        form = _posted(*parts)
        form.validate()
        html = render_template_string("{{ form.born() }}", form=form)
    assert html.count("<input") == 3
    assert 'id="born-day"' in html and 'value="4"' in html
    assert "govuk-error-message" in html


@pytest.mark.parametrize(
    ("parts", "in_error"),
    [
        (("", "3", "2021"), ("day",)),
        (("4", "", ""), ("month", "year")),
        (("x", "3", "2021"), ("day",)),
        (("32", "3", "2021"), ("day",)),
        (("4", "13", "2021"), ("month",)),
        (("4", "3", "２０２１"), ("year",)),
        (("4", "3", "21"), ("year",)),
        (("", "", ""), ("day", "month", "year")),  # nothing typed: the whole date
        (("31", "2", "2021"), ("day", "month", "year")),  # not clear which part is wrong
        (("x", "13", "2021"), ("day", "month", "year")),  # more than one part wrong
        (("4", "3", "2021", "9"), ("day", "month", "year")),  # tampered
        (("4", "3", "2000"), ("day", "month", "year")),  # a validator's message is about the whole date
    ],
)
def test_only_the_parts_in_error_are_marked_and_the_summary_links_to_the_first(
    app: Flask, parts: tuple[str, ...], in_error: tuple[str, ...]
) -> None:
    with app.test_request_context():
        form = _posted(*parts)
        assert not form.validate()
        html = render_template_string("{{ wtforms_errors(form).errorList[0].href }} {{ form.born() }}", form=form)
    href, inputs = " ".join(html.split()).split(" ", 1)
    assert href == f"#born-{in_error[0]}"
    marked = re.findall(r'<input class="[^"]*govuk-input--error[^"]*" id="born-(\w+)"', inputs)
    assert tuple(marked) == in_error
    assert inputs.count("<input") == 3


def test_a_date_of_birth_names_each_inputs_purpose(app: Flask) -> None:
    class BirthForm(Form):  # type: ignore[misc]  # WTForms ships no type hints
        born = GovDateField("What is your date of birth?", name_in_errors=NAME, autocomplete="bday")

    with app.test_request_context():
        birth = " ".join(render_template_string("{{ form.born() }}", form=_posted(form=BirthForm)).split())
        other = render_template_string("{{ form.born() }}", form=_posted())
    for part in ("day", "month", "year"):
        assert re.search(rf'id="born-{part}"[^>]* autocomplete="bday-{part}"', birth), part
    assert "autocomplete" not in other


def test_the_messages_are_in_the_pages_language(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_LANGUAGES=["en", "cy"])
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        missing = _posted("", "3", "2021")
        missing.validate()
        year = _posted("4", "3", "21")
        year.validate()
    assert missing.born.errors == ["Rhaid i’r Date of birth gynnwys diwrnod"]
    assert year.born.errors == ["Rhaid i’r flwyddyn gynnwys 4 rhif"]
    with app.test_request_context(headers={"Accept-Language": "en"}):  # people type what their document says
        welsh = _posted("4", "Mawrth", "2021")
        assert welsh.validate()
    assert welsh.born.data == datetime.date(2021, 3, 4)


def test_the_rules_messages_are_in_welsh(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_LANGUAGES=["en", "cy"])
    yesterday = uk_today() - datetime.timedelta(days=1)

    class DatedForm(Form):  # type: ignore[misc]  # WTForms ships no type hints
        born = GovDateField("Dyddiad", [InTheFuture(or_today=True)], name_in_errors="dyddiad")

    with app.test_request_context(headers={"Accept-Language": "cy"}):
        form = _posted(*_parts(yesterday), form=DatedForm)
        assert not form.validate()
    assert form.born.errors == ["Rhaid i’r dyddiad fod heddiw neu yn y dyfodol"]


START = datetime.date(2027, 3, 4)
BEFORE, AFTER = {-400, -1}, {1, 2, 400}  # days from the rule's limit


@pytest.mark.parametrize(
    ("rule", "limit", "allowed", "message"),
    [
        (InThePast(), uk_today, BEFORE, "Date of birth must be in the past"),
        (InThePast(or_today=True), uk_today, BEFORE | {0}, "Date of birth must be today or in the past"),
        (InTheFuture(), uk_today, AFTER, "Date of birth must be in the future"),
        (InTheFuture(or_today=True), uk_today, AFTER | {0}, "Date of birth must be today or in the future"),
        (Before(START), lambda: START, BEFORE, "Date of birth must be before 4 March 2027"),
        (
            Before(START, or_same=True),
            lambda: START,
            BEFORE | {0},
            "Date of birth must be the same as or before 4 March 2027",
        ),
        (After(START), lambda: START, AFTER, "Date of birth must be after 4 March 2027"),
        (
            After(START, or_same=True),
            lambda: START,
            AFTER | {0},
            "Date of birth must be the same as or after 4 March 2027",
        ),
        # A limit worked out when the form is checked.
        (After(lambda: START), lambda: START, AFTER, "Date of birth must be after 4 March 2027"),
        (
            Between(START, START + datetime.timedelta(days=1)),
            lambda: START,
            {0, 1},
            "Date of birth must be between 4 March 2027 and 5 March 2027",
        ),
    ],
)
def test_a_date_rule_gets_govuks_message(
    app: Flask,
    rule: InThePast | InTheFuture | Before | After | Between,
    limit: Callable[[], datetime.date],
    allowed: set[int],
    message: str,
) -> None:
    class DatedForm(Form):  # type: ignore[misc]  # WTForms ships no type hints
        born = GovDateField("What is your date of birth?", [rule], name_in_errors=NAME)

    with app.test_request_context():
        for days in sorted(BEFORE | AFTER | {0}):
            form = _posted(*_parts(limit() + datetime.timedelta(days=days)), form=DatedForm)
            assert form.validate() is (days in allowed), days
            assert form.born.errors == ([] if days in allowed else [message]), days
        assert not _posted(form=DatedForm).validate()  # no date: "Enter the ...", and the rule is not asked


class _Course(Form):  # type: ignore[misc]  # WTForms ships no type hints
    starts = GovDateField("When does your course start?", name_in_errors="Start date")
    ends = GovDateField(
        "When does your course end?",
        [After("starts", or_same=True, description="when your course starts")],
        name_in_errors="The date your course ends",
    )


def _course(starts: tuple[str, ...], ends: tuple[str, ...]) -> Form:
    return _Course(MultiDict([*(("starts", part) for part in starts), *(("ends", part) for part in ends)]))


def test_a_date_against_another_answer_names_it_with_govuks_description(app: Flask) -> None:
    with app.test_request_context():
        same = _course(("4", "3", "2027"), ("4", "3", "2027"))
        before = _course(("4", "3", "2027"), ("3", "3", "2027"))
        no_start = _course(("", "3", "2027"), ("3", "3", "2027"))
        assert same.validate()
        assert not before.validate()
        assert not no_start.validate()
    message = "The date your course ends must be the same as or after 4 March 2027 when your course starts"
    assert before.ends.errors == [message]
    assert before.starts.errors == []
    assert no_start.starts.errors == ["Start date must include a day"]  # its own message, and no comparison with it
    assert no_start.ends.errors == []


@pytest.mark.parametrize(
    ("rule", "wrong"), [(After("finishes"), "finishes"), (Before("name"), "name"), (Between("starts", "name"), "name")]
)
def test_a_rule_naming_no_date_field_says_which(app: Flask, rule: After | Before | Between, wrong: str) -> None:
    """A misspelt or wrong field in a rule is the form's mistake: an error naming it, not a KeyError."""

    class Misnamed(Form):  # type: ignore[misc]  # WTForms ships no type hints
        name = StringField("Your name")
        starts = GovDateField("When does it start?", name_in_errors="Start date")
        ends = GovDateField("When does it end?", [rule], name_in_errors="End date")

    starts, ends = (("starts", part) for part in ("1", "2", "2027")), (("ends", part) for part in ("4", "5", "2027"))
    posted = MultiDict([("name", "Ann"), *starts, *ends])
    with app.test_request_context(), pytest.raises(TypeError, match=f"'{wrong}' names no GovDateField of Misnamed"):
        Misnamed(posted).validate()


def test_a_date_against_another_is_in_welsh_with_welsh_months(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_LANGUAGES=["en", "cy"])

    class DatedForm(Form):  # type: ignore[misc]  # WTForms ships no type hints
        born = GovDateField("Dyddiad", [Between(START, START)], name_in_errors="dyddiad")

    with app.test_request_context(headers={"Accept-Language": "cy"}):
        form = _posted("5", "3", "2027", form=DatedForm)
        assert not form.validate()
    assert form.born.errors == ["Rhaid i’r dyddiad fod rhwng 4 Mawrth 2027 a 4 Mawrth 2027"]
