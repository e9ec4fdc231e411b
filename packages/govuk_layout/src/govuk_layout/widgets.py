"""govuk-frontend-wtf's GOV.UK widgets, with the text they add themselves in the page's language.

govuk-frontend-wtf writes "Error:" before each message, "Day", "Month" and "Year" on date
inputs and the character count's messages in English. These subclasses take them from the
catalogues, so a Welsh page has no English left. Use them in place of the library's own
(they need the ``forms`` extra).
"""

from __future__ import annotations

import functools
import re
from importlib.resources import files
from typing import Any

from flask_babel import get_translations, gettext
from govuk_frontend_wtf import wtforms_widgets as wtf
from markupsafe import Markup

from govuk_layout import components
from govuk_layout.i18n import plural_forms


@functools.cache
def _component(template: str) -> str:
    """The govuk-frontend-jinja macro a govuk-frontend-wtf widget template calls (``govukInput``)."""
    source = (files("govuk_frontend_wtf") / "templates" / template.removeprefix("govuk_frontend_wtf/")).read_text()
    found = re.search(r"\bimport\s+(govuk\w+)", source)
    if found is None:
        raise LookupError(f"{template} calls no govuk-frontend-jinja macro")
    return found.group(1)


class _Translated:
    """Adds the page's language's "Error" prefix to the message of a field with an error.

    Renders the widget's component macro directly, through the app's component cache
    (govuk_layout.components), rather than a template per field. A field holding what the
    user typed is rendered uncached, so no one's answer is kept in the cache.
    """

    template: str

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)  # type: ignore[misc]
        if params.get("errorMessage"):
            params["errorMessage"]["visuallyHiddenText"] = gettext("Error")
        return params

    def render(self, params: dict[str, Any]) -> Markup:
        return components.render(_component(self.template), params, cache=not params.get("value"))


class GovTextInput(_Translated, wtf.GovTextInput):  # type: ignore[misc]
    pass


class GovPasswordInput(_Translated, wtf.GovPasswordInput):  # type: ignore[misc]
    pass


class GovTextArea(_Translated, wtf.GovTextArea):  # type: ignore[misc]
    pass


class GovSelect(_Translated, wtf.GovSelect):  # type: ignore[misc]
    pass


class GovRadioInput(_Translated, wtf.GovRadioInput):  # type: ignore[misc]
    pass


class GovCheckboxesInput(_Translated, wtf.GovCheckboxesInput):  # type: ignore[misc]
    pass


class GovCheckboxInput(_Translated, wtf.GovCheckboxInput):  # type: ignore[misc]
    pass


class GovFileInput(_Translated, wtf.GovFileInput):  # type: ignore[misc]
    pass


DATE_PARTS = ("day", "month", "year")  # a date input's inputs, in order; each one's id is "<field name>-<part>"


def date_error_parts(field: Any) -> tuple[str, ...]:
    """The parts of a date field its error is about (``GovDateField.error_parts``); none means the whole date."""
    return tuple(getattr(field, "error_parts", ()))


class GovDateInput(_Translated, wtf.GovDateInput):  # type: ignore[misc]
    """Day, month and year labelled in the page's language; of a field in error, only the parts it names are marked.

    GOV.UK's date input guidance: highlight the missing or wrong day, month or year, or all three when the
    message is about the whole date (:func:`date_error_parts`). A field's ``autocomplete`` ("bday") names
    each input's purpose ("bday-day").
    """

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        labels = {"Day": gettext("Day"), "Month": gettext("Month"), "Year": gettext("Year")}
        in_error = date_error_parts(field) if field.errors else ()
        autocomplete = getattr(field, "autocomplete", None)
        for part, item in zip(DATE_PARTS, params.get("items", ()), strict=False):
            item["label"] = labels.get(item.get("label"), item.get("label"))
            if autocomplete:
                item.setdefault("autocomplete", f"{autocomplete}-{part}")
            if in_error and part not in in_error:
                item["classes"] = item.get("classes", "").replace("govuk-input--error", "").strip()
        return params


class GovCharacterCount(_Translated, wtf.GovCharacterCount):  # type: ignore[misc]
    """The character count's description and messages (with and without JavaScript) in the page's language."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        translations = get_translations()
        params.setdefault("textareaDescriptionText", translations.ugettext("You can enter up to %{count} characters"))
        params.setdefault(
            "charactersUnderLimitText",
            plural_forms("You have %{count} character remaining", "You have %{count} characters remaining"),
        )
        params.setdefault("charactersAtLimitText", translations.ugettext("You have 0 characters remaining"))
        params.setdefault(
            "charactersOverLimitText",
            plural_forms("You have %{count} character too many", "You have %{count} characters too many"),
        )
        return params
