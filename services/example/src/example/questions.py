"""The questions, in the order the journey asks them: add, change or remove a question here.

Each declaration carries its page (slug), how it is asked and parsed (a WTForms field
with its text and validation), how the answer is kept (codec) and reads (show), and
whether the status page shows it (public). Pages, check your answers, the stored item
and the status page all follow from these declarations.
"""

from __future__ import annotations

import datetime

from flask_babel import LazyString
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovTextInput
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from example.forms import GovDateField, GovernmentEmail, NotInPast, PersonName, one_newline, strip, today
from example.journey import DATE, Question
from example.model import ORGANISATIONS, display_date, organisation_name

REASON_MAX = 500
# The question is the page heading: as the label of a single field, or the legend of a fieldset.
HEADING_LABEL = {"label": {"isPageHeading": True, "classes": "govuk-label--l"}}
HEADING_LEGEND = {"fieldset": {"legend": {"isPageHeading": True, "classes": "govuk-fieldset__legend--l"}}}


def _date_example() -> str:
    example = today() + datetime.timedelta(days=30)
    return f"For example, {example.day} {example.month} {example.year}"


QUESTIONS = (
    Question(
        "full-name",
        "full_name",
        "Full name",
        StringField(
            "What is your full name?",
            validators=[
                DataRequired("Enter your full name"),
                Length(max=100, message="Full name must be 100 characters or less"),
                PersonName(),
            ],
            filters=[strip],
            widget=GovTextInput(),
        ),
        {**HEADING_LABEL, "autocomplete": "name", "spellcheck": False},
    ),
    Question(
        "email",
        "email",
        "Work email address",
        StringField(
            "What is your work email address?",
            description="Use your address at a government domain, ending in .gov.uk",
            validators=[
                DataRequired("Enter your work email address"),
                Length(max=254, message="Work email address must be 254 characters or less"),
                Email("Enter an email address in the correct format, like name@justice.gov.uk"),
                GovernmentEmail(),
            ],
            filters=[strip],
            widget=GovTextInput(),
        ),
        {**HEADING_LABEL, "type": "email", "autocomplete": "email", "spellcheck": False},
    ),
    Question(
        "organisation",
        "organisation",
        "Organisation",
        RadioField(
            "Which organisation do you need access to?",
            choices=[SelectChoice(code, organisation_name(code)) for code in ORGANISATIONS],
            invalid_choice_message="Select which organisation you need access to",
            widget=GovRadioInput(),
        ),
        HEADING_LEGEND,
        show=organisation_name,
        public=True,
    ),
    Question(
        "reason",
        "reason",
        "Why you need access",
        TextAreaField(
            "Why do you need access?",
            description="For example, the team you work in and the repositories you will work on",
            validators=[
                DataRequired("Enter why you need access"),
                Length(max=REASON_MAX, message=f"Why you need access must be {REASON_MAX} characters or less"),
            ],
            filters=[strip, one_newline],
            widget=GovCharacterCount(),
        ),
        {**HEADING_LABEL, "maxlength": REASON_MAX},
    ),
    Question(
        "start-date",
        "start_date",
        "Access needed from",
        GovDateField(
            "When do you need access from?",
            description=LazyString(_date_example),  # worked out on each render, so the example stays in the future
            validators=[NotInPast()],
            name_in_errors="Date you need access from",
        ),
        HEADING_LEGEND,
        codec=DATE,
        show=display_date,
        public=True,
    ),
)
