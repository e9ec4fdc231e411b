"""Fields, validators and filters for the question pages (declared in questions.py), and the other pages' forms."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from example.model import is_government_email, normalise_reference
from govuk_layout.widgets import GovRadioInput, GovTextArea, GovTextInput

DECISION_REASON_MAX = 500


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
