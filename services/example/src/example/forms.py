"""Fields, validators and filters for the question pages (declared in questions.py), and the other pages' forms."""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from flask_babel import LazyString, gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from example.model import is_government_email, normalise_reference
from govuk_layout.i18n import month_number
from govuk_layout.widgets import GovDateInput, GovRadioInput, GovTextArea, GovTextInput

DECISION_REASON_MAX = 500
_DAY = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def one_newline(value: Any) -> Any:
    # Browsers post newlines as CRLF but count them as one character.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class PersonName:
    """Letters (any script), spaces, hyphens, full stops and apostrophes: no line breaks or invisible controls."""

    _ALLOWED_PUNCTUATION = frozenset(" -.'’")

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data or ""
        if any(not (ch in self._ALLOWED_PUNCTUATION or unicodedata.category(ch)[0] in "LM") for ch in value):
            raise ValidationError(
                gettext("Full name must only include letters, spaces, hyphens, full stops and apostrophes")
            )


def today() -> datetime.date:
    """Today in UTC: never behind the UK's date, so today's UK date is never refused as past."""
    return datetime.datetime.now(datetime.UTC).date()


def _missing_parts(name: str, missing: tuple[str, ...]) -> str:
    """GOV.UK's "must include a day and month" message, each combination whole so it translates whole."""
    messages = {
        ("day",): gettext("%(name)s must include a day", name=name),
        ("month",): gettext("%(name)s must include a month", name=name),
        ("year",): gettext("%(name)s must include a year", name=name),
        ("day", "month"): gettext("%(name)s must include a day and month", name=name),
        ("day", "year"): gettext("%(name)s must include a day and year", name=name),
        ("month", "year"): gettext("%(name)s must include a month and year", name=name),
    }
    return str(messages[missing])


class GovDateField(Field):  # type: ignore[misc]  # WTForms ships no type hints
    """A day/month/year date with the GOV.UK date input's error messages. The month may be typed as a name or
    an abbreviation in English or Welsh ("March", "mar", "Mawrth"), as GOV.UK's guidance asks.

    Always hands the widget exactly three parts: govuk-frontend-wtf's GovDateInput
    unpacks three and would fail with a 500 on a tampered post. Messages name the date
    by ``name_in_errors``: a lazy string, so it is in the page's language.
    """

    widget = GovDateInput()
    raw_data: list[str] | None = None
    data: datetime.date | None

    def __init__(
        self, label: str, validators: list[Any] | None = None, *, name_in_errors: str | LazyString, **kwargs: Any
    ):
        super().__init__(label, validators, **kwargs)
        self.name_in_errors = name_in_errors  # e.g. "Date you need access from"
        self.problem: str | None = None

    @property
    def _name(self) -> str:
        return str(self.name_in_errors)

    def _not_real(self) -> str:
        return str(gettext("%(name)s must be a real date", name=self._name))

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        parts = [str(value).strip() for value in valuelist]
        self.data, self.problem = None, None
        if not any(parts):
            self.raw_data = ["", "", ""]
            return
        if len(parts) != 3:
            self.raw_data = [*parts, "", "", ""][:3]
            self.problem = self._not_real()
            return
        self.raw_data = parts
        missing = tuple(unit for unit, part in zip(("day", "month", "year"), parts, strict=True) if not part)
        day, month, year = parts
        number = month_number(month)  # a number, or a month's name in either language ("Mar", "Mawrth")
        if missing:
            self.problem = _missing_parts(self._name, missing)
        elif not (_DAY.fullmatch(day) and number and _YEAR.fullmatch(year)):
            self.problem = (
                gettext("Year must include 4 numbers")
                if _DAY.fullmatch(day) and number and year.isascii() and year.isdigit()
                else self._not_real()
            )
        else:
            try:
                self.data = datetime.date(int(year), number, int(day))
            except ValueError:
                self.problem = self._not_real()

    def pre_validate(self, form: Form) -> None:
        if self.problem:
            raise StopValidation(self.problem)
        if self.data is None:
            name_lower = self._name[:1].lower() + self._name[1:]  # as it follows "the"
            raise StopValidation(gettext("Enter the %(name_lower)s", name_lower=name_lower))


class NotInPast:
    def __call__(self, form: Form, field: GovDateField) -> None:
        if field.data is not None and field.data < today():
            raise ValidationError(gettext("%(name)s must be today or in the future", name=field._name))


class GovernmentEmail:
    def __call__(self, form: Form, field: Field) -> None:
        if "@" in (field.data or "") and not is_government_email(field.data):
            raise ValidationError(
                gettext("Enter a government email address, ending in .gov.uk, like name@justice.gov.uk")
            )


class Reference:
    def __call__(self, form: Form, field: Field) -> None:
        if normalise_reference(field.data or "") is None:
            raise ValidationError(gettext("Enter your reference in the correct format, like RA-7K3M-9QXP"))


class SubmitForm(FlaskForm):  # type: ignore[misc]  # WTForms ships no type hints
    """The check-answers page's form: only the CSRF token and the button."""


class StatusForm(FlaskForm):  # type: ignore[misc]  # WTForms ships no type hints
    reference = StringField(
        lazy_gettext("What is your reference?"),
        description=lazy_gettext("For example, RA-7K3M-9QXP. It is on the page you saw when you sent your request."),
        validators=[DataRequired(lazy_gettext("Enter your reference")), Reference()],
        filters=[strip],
        widget=GovTextInput(),
    )


class RequiredIfRejecting:
    def __call__(self, form: Form, field: Field) -> None:
        if form.decision.data == "reject" and not field.data:
            raise StopValidation(gettext("Enter why you are rejecting this request"))


class DecisionForm(FlaskForm):  # type: ignore[misc]  # WTForms ships no type hints
    """Staff approve or reject a request; a rejection needs a reason, which the requester sees."""

    decision = RadioField(
        lazy_gettext("Do you approve this request?"),
        choices=[SelectChoice("approve", lazy_gettext("Approve")), SelectChoice("reject", lazy_gettext("Reject"))],
        invalid_choice_message=lazy_gettext("Select if you approve or reject this request"),
        widget=GovRadioInput(),
    )
    reason = TextAreaField(
        lazy_gettext("Why are you rejecting this request?"),
        description=lazy_gettext("The person who asked will see this"),
        validators=[
            RequiredIfRejecting(),
            Length(
                max=DECISION_REASON_MAX,
                message=lazy_gettext("Why you are rejecting this request must be %(max)d characters or less"),
            ),
        ],
        filters=[strip, one_newline],
        widget=GovTextArea(),
    )
