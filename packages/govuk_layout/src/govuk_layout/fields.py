"""WTForms fields and validators that follow a GOV.UK pattern's rules and messages, in the page's language.

The widgets (widgets.py) draw a field; a field here also reads what was typed as the pattern says and
gives the pattern's error messages, so every service does not write its own. Needs the ``forms`` extra.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any, cast

from flask_babel import LazyString, gettext
from wtforms import Field, Form
from wtforms.validators import StopValidation, ValidationError

from govuk_layout.i18n import N_, govuk_date, month_number, uk_today
from govuk_layout.widgets import DATE_PARTS, GovDateInput

_DAY = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")


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
    """A day, month and year, read and checked as GOV.UK's date input pattern asks.

    - The month may be a number or a month's name or abbreviation in any of ``GOVUK_LANGUAGES``
      ("3", "March", "mar", "Sept", "Mawrth": :func:`govuk_layout.i18n.month_number`).
    - Nothing typed: "Enter the <name>"; some parts missing: "<Name> must include a day and year";
      anything else that is not a date: "<Name> must be a real date"; a year of other than four
      digits: "Year must include 4 numbers". Each stops the field's other validators.
    - ``name_in_errors`` names the date in those messages ("Date of birth"): use a lazy string, so it is
      in the page's language. A validator may read it as ``field.name_in_errors``.
    - ``autocomplete="bday"`` on a date of birth gives the inputs ``bday-day``, ``bday-month`` and ``bday-year``,
      which WCAG 2.2 (1.3.5, identify input purpose) asks of a question about the user.
    - ``error_parts`` names the parts that message is about ("month", "year"), so the widget marks only those
      and the error summary links to the first; it is empty when the message is about the whole date (nothing
      typed, a day that month does not have, more than one part wrong, or any validator's message).
    - The widget always gets exactly three parts, whatever was posted: govuk-frontend-wtf's
      ``GovDateInput`` unpacks three, and a tampered post with more or fewer would otherwise be a 500.
    - ``data`` is a :class:`datetime.date` or None; what was typed is kept in ``raw_data`` and shown again.
    """

    widget = GovDateInput()
    raw_data: list[str] | None = None
    data: datetime.date | None

    def __init__(
        self,
        label: str,
        validators: list[Any] | None = None,
        *,
        name_in_errors: str | LazyString,
        autocomplete: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(label, validators, **kwargs)
        self.name_in_errors = name_in_errors
        self.autocomplete = autocomplete
        self._problem: str | None = None
        self.error_parts: tuple[str, ...] = ()

    def _not_real(self) -> str:
        return str(gettext("%(name)s must be a real date", name=str(self.name_in_errors)))

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        parts = [str(value).strip() for value in valuelist]
        self.data, self._problem, self.error_parts = None, None, ()
        if not any(parts):
            self.raw_data = ["", "", ""]
            return
        if len(parts) != len(DATE_PARTS):
            self.raw_data = [*parts, "", "", ""][:3]
            self._problem = self._not_real()
            return
        self.raw_data = parts
        day, month, year = parts
        number = month_number(month)
        missing = tuple(part for part, typed in zip(DATE_PARTS, parts, strict=True) if not typed)
        right = {
            "day": bool(_DAY.fullmatch(day)) and 1 <= int(day) <= 31,
            "month": number is not None,
            "year": year.isascii() and year.isdigit(),
        }
        wrong = tuple(part for part in DATE_PARTS if not right[part])
        if missing:
            self._problem, self.error_parts = _missing_parts(str(self.name_in_errors), missing), missing
        elif wrong:
            self._problem, self.error_parts = self._not_real(), wrong if len(wrong) == 1 else ()
        elif not _YEAR.fullmatch(year):  # a number, but not of four digits
            self._problem, self.error_parts = gettext("Year must include 4 numbers"), ("year",)
        else:
            try:
                self.data = datetime.date(int(year), cast(int, number), int(day))  # a month: not in wrong
            except ValueError:  # a day that month does not have: which part is wrong is not clear
                self._problem = self._not_real()

    def pre_validate(self, form: Form) -> None:
        if self._problem:
            raise StopValidation(self._problem)
        if self.data is None:
            name = str(self.name_in_errors)
            raise StopValidation(gettext("Enter the %(name_lower)s", name_lower=name[:1].lower() + name[1:]))


Limit = datetime.date | Callable[[], datetime.date] | str
"""A date a rule compares with: a date, a function that gives one when the form is checked (say, a year from
today), or the name of another :class:`GovDateField` in the same form (no date there, no check: it has its own
message; a name that is not one is a ``TypeError`` when the form is checked)."""


def _date_of(limit: Limit, form: Form) -> datetime.date | None:
    if isinstance(limit, str):
        other = form._fields.get(limit)
        if not isinstance(other, GovDateField):  # a mistake in the form's code: say which, not a KeyError
            raise TypeError(f"a date rule's limit {limit!r} names no GovDateField of {type(form).__name__}")
        return other.data
    if isinstance(limit, datetime.date):
        return limit
    return limit()


def _described(message: str, description: str | LazyString | None) -> str:
    """GOV.UK's "[optional description]" after the dates, in both languages ("... when you started the course")."""
    return f"{message} {description}" if description else message


class _OneSide:
    """A :class:`GovDateField`'s date on one side of a limit (``side``: -1 before, 1 after), or on it with ``or_same``.

    The field's ``name_in_errors`` names the date in the message; no date (or no limit), no check.
    """

    side = 0
    messages = ("", "")  # GOV.UK's message, and its message with or_same (marked with N_ for the catalogues)

    def __init__(self, limit: Limit, *, or_same: bool = False, description: str | LazyString | None = None) -> None:
        self.limit, self.or_same, self.description = limit, or_same, description

    def __call__(self, form: Form, field: GovDateField) -> None:
        limit = _date_of(self.limit, form)
        if field.data is None or limit is None:
            return
        days = (field.data - limit).days * self.side
        if days < 0 or (days == 0 and not self.or_same):
            message = gettext(self.messages[self.or_same], name=str(field.name_in_errors), date=govuk_date(limit))
            raise ValidationError(_described(str(message), self.description))


class _FromToday(_OneSide):
    def __init__(self, or_today: bool = False) -> None:
        super().__init__(uk_today, or_same=or_today)


class InThePast(_FromToday):
    """GOV.UK's "must be in the past" (or, with ``or_today``, "must be today or in the past"), today in the UK."""

    side = -1
    messages = (N_("%(name)s must be in the past"), N_("%(name)s must be today or in the past"))


class InTheFuture(_FromToday):
    """GOV.UK's "must be in the future" (or, with ``or_today``, "must be today or in the future"), today in the UK."""

    side = 1
    messages = (N_("%(name)s must be in the future"), N_("%(name)s must be today or in the future"))


class Before(_OneSide):
    """GOV.UK's "must be before [date]" (with ``or_same``, "must be the same as or before [date]")."""

    side = -1
    messages = (N_("%(name)s must be before %(date)s"), N_("%(name)s must be the same as or before %(date)s"))


class After(_OneSide):
    """GOV.UK's "must be after [date]" (with ``or_same``, "must be the same as or after [date]")."""

    side = 1
    messages = (N_("%(name)s must be after %(date)s"), N_("%(name)s must be the same as or after %(date)s"))


class Between:
    """GOV.UK's "must be between [date] and [date]", both dates allowed; no date (or no limit), no check."""

    def __init__(self, earliest: Limit, latest: Limit, *, description: str | LazyString | None = None) -> None:
        self.earliest, self.latest, self.description = earliest, latest, description

    def __call__(self, form: Form, field: GovDateField) -> None:
        earliest, latest = _date_of(self.earliest, form), _date_of(self.latest, form)
        if field.data is None or earliest is None or latest is None or earliest <= field.data <= latest:
            return
        message = gettext(
            "%(name)s must be between %(earliest)s and %(latest)s",
            name=str(field.name_in_errors),
            earliest=govuk_date(earliest),
            latest=govuk_date(latest),
        )
        raise ValidationError(_described(str(message), self.description))
