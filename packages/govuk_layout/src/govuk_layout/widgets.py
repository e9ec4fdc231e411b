"""govuk-frontend-wtf's GOV.UK widgets, with the text they add themselves in the page's language.

govuk-frontend-wtf writes "Error:" before each message, "Day", "Month" and "Year" on date
inputs and the character count's messages in English. These subclasses take them from the
catalogues, so a Welsh page has no English left. Use them in place of the library's own
(they need the ``forms`` extra).
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_translations, gettext
from govuk_frontend_wtf import wtforms_widgets as wtf

from govuk_layout.i18n import plural_forms


class _Translated:
    """Adds the page's language's "Error" prefix to the message of a field with an error."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)  # type: ignore[misc]
        if params.get("errorMessage"):
            params["errorMessage"]["visuallyHiddenText"] = gettext("Error")
        return params


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


class GovDateInput(_Translated, wtf.GovDateInput):  # type: ignore[misc]
    """Day, month and year labelled in the page's language."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        labels = {"Day": gettext("Day"), "Month": gettext("Month"), "Year": gettext("Year")}
        for item in params.get("items", ()):
            item["label"] = labels.get(item.get("label"), item.get("label"))
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
