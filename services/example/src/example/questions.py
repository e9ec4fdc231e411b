"""The questions, in the order the journey asks them: add, change or remove a question here.

Each declaration carries its page (slug), how it is asked and parsed (a WTForms field
with its text and validation), how the answer is kept (codec) and reads (show), and
whether the status page shows it (public). Pages, check your answers, the stored item
and the status page all follow from these declarations.
"""

from __future__ import annotations

import datetime

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from example.forms import GovernmentEmail, PersonName, one_newline, strip
from example.journey import DATE, Question
from example.model import ORGANISATIONS, organisation_name
from govuk_layout.fields import GovDateField, InTheFuture
from govuk_layout.i18n import govuk_date, uk_today
from govuk_layout.widgets import GovCharacterCount, GovRadioInput, GovTextInput

REASON_MAX = 500
# The question is the page heading: as the label of a single field, or the legend of a fieldset.
HEADING_LABEL = {"label": {"isPageHeading": True, "classes": "govuk-label--l"}}
HEADING_LEGEND = {"fieldset": {"legend": {"isPageHeading": True, "classes": "govuk-fieldset__legend--l"}}}


def _date_example() -> str:
    example = uk_today() + datetime.timedelta(days=30)
    hint = gettext("For example, %(day)s %(month)s %(year)s", day=example.day, month=example.month, year=example.year)
    return str(hint)


QUESTIONS = (
    Question(
        "full-name",
        "full_name",
        _l("Full name"),
        StringField(
            _l("What is your full name?"),
            validators=[
                DataRequired(_l("Enter your full name")),
                Length(max=100, message=_l("Full name must be %(max)d characters or less")),
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
        _l("Work email address"),
        StringField(
            _l("What is your work email address?"),
            description=_l("Use your address at a government domain, ending in .gov.uk"),
            validators=[
                DataRequired(_l("Enter your work email address")),
                Length(max=254, message=_l("Work email address must be %(max)d characters or less")),
                Email(_l("Enter an email address in the correct format, like name@justice.gov.uk")),
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
        _l("Organisation"),
        RadioField(
            _l("Which organisation do you need access to?"),
            choices=[SelectChoice(code, organisation_name(code)) for code in ORGANISATIONS],
            invalid_choice_message=_l("Select which organisation you need access to"),
            widget=GovRadioInput(),
        ),
        HEADING_LEGEND,
        show=organisation_name,
        public=True,
    ),
    Question(
        "reason",
        "reason",
        _l("Why you need access"),
        TextAreaField(
            _l("Why do you need access?"),
            description=_l("For example, the team you work in and the repositories you will work on"),
            validators=[
                DataRequired(_l("Enter why you need access")),
                Length(max=REASON_MAX, message=_l("Why you need access must be %(max)d characters or less")),
            ],
            filters=[strip, one_newline],
            widget=GovCharacterCount(),
        ),
        {**HEADING_LABEL, "maxlength": REASON_MAX},
    ),
    Question(
        "start-date",
        "start_date",
        _l("Access needed from"),
        GovDateField(
            _l("When do you need access from?"),
            description=LazyString(_date_example),  # worked out on each render, so the example stays in the future
            validators=[InTheFuture(or_today=True)],
            name_in_errors=_l("Date you need access from"),
        ),
        HEADING_LEGEND,
        codec=DATE,
        show=govuk_date,
        public=True,
    ),
)
