"""Fields, validators and filters for the question pages (declared in questions.py), and the other pages' forms."""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovRadioInput, GovTextArea, GovTextInput
from wtforms import Field, Form, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from example.model import is_government_email, normalise_reference

DECISION_REASON_MAX = 500
_DAY_OR_MONTH = re.compile(r"[0-9]{1,2}")
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
            raise ValidationError("Full name must only include letters, spaces, hyphens, full stops and apostrophes")


def today() -> datetime.date:
    """Today in UTC: never behind the UK's date, so today's UK date is never refused as past."""
    return datetime.datetime.now(datetime.UTC).date()


class GovDateField(Field):  # type: ignore[misc]  # WTForms ships no type hints
    """A day/month/year date with the GOV.UK date input's error messages.

    Always hands the widget exactly three parts: govuk-frontend-wtf's GovDateInput
    unpacks three and would fail with a 500 on a tampered post.
    """

    widget = GovDateInput()
    raw_data: list[str] | None = None
    data: datetime.date | None

    def __init__(self, label: str, validators: list[Any] | None = None, *, name_in_errors: str, **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.name_in_errors = name_in_errors  # e.g. "Date you need access from"
        self.problem: str | None = None

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
            self.problem = f"{self.name_in_errors} must be a real date"
            return
        self.raw_data = parts
        missing = [unit for unit, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        day, month, year = parts
        if missing:
            self.problem = f"{self.name_in_errors} must include a {' and '.join(missing)}"
        elif not (_DAY_OR_MONTH.fullmatch(day) and _DAY_OR_MONTH.fullmatch(month) and _YEAR.fullmatch(year)):
            self.problem = (
                "Year must include 4 numbers"
                if _DAY_OR_MONTH.fullmatch(day) and _DAY_OR_MONTH.fullmatch(month) and year.isascii() and year.isdigit()
                else f"{self.name_in_errors} must be a real date"
            )
        else:
            try:
                self.data = datetime.date(int(year), int(month), int(day))
            except ValueError:
                self.problem = f"{self.name_in_errors} must be a real date"

    def pre_validate(self, form: Form) -> None:
        if self.problem:
            raise StopValidation(self.problem)
        if self.data is None:
            raise StopValidation(f"Enter the {self.name_in_errors[0].lower()}{self.name_in_errors[1:]}")


class NotInPast:
    def __call__(self, form: Form, field: GovDateField) -> None:
        if field.data is not None and field.data < today():
            raise ValidationError(f"{field.name_in_errors} must be today or in the future")


class GovernmentEmail:
    def __call__(self, form: Form, field: Field) -> None:
        if "@" in (field.data or "") and not is_government_email(field.data):
            raise ValidationError("Enter a government email address, ending in .gov.uk, like name@justice.gov.uk")


class Reference:
    def __call__(self, form: Form, field: Field) -> None:
        if normalise_reference(field.data or "") is None:
            raise ValidationError("Enter your reference in the correct format, like RA-7K3M-9QXP")


class SubmitForm(FlaskForm):  # type: ignore[misc]  # WTForms ships no type hints
    """The check-answers page's form: only the CSRF token and the button."""


class StatusForm(FlaskForm):  # type: ignore[misc]  # WTForms ships no type hints
    reference = StringField(
        "What is your reference?",
        description="For example, RA-7K3M-9QXP. It is on the page you saw when you sent your request.",
        validators=[DataRequired("Enter your reference"), Reference()],
        filters=[strip],
        widget=GovTextInput(),
    )


class RequiredIfRejecting:
    def __call__(self, form: Form, field: Field) -> None:
        if form.decision.data == "reject" and not field.data:
            raise StopValidation("Enter why you are rejecting this request")


class DecisionForm(FlaskForm):  # type: ignore[misc]  # WTForms ships no type hints
    """Staff approve or reject a request; a rejection needs a reason, which the requester sees."""

    decision = RadioField(
        "Do you approve this request?",
        choices=[SelectChoice("approve", "Approve"), SelectChoice("reject", "Reject")],
        invalid_choice_message="Select if you approve or reject this request",
        widget=GovRadioInput(),
    )
    reason = TextAreaField(
        "Why are you rejecting this request?",
        description="Only if you reject it. The person who asked will see this.",
        validators=[
            RequiredIfRejecting(),
            Length(
                max=DECISION_REASON_MAX,
                message=f"Why you are rejecting this request must be {DECISION_REASON_MAX} characters or less",
            ),
        ],
        filters=[strip, one_newline],
        widget=GovTextArea(),
    )
