"""Pages in English and Welsh: Flask-Babel's gettext catalogues, the language choice and per-language dates.

The language is, in order: the one chosen with the switcher (``?lang=cy`` on any page, remembered in
the session), the best match for the browser's ``Accept-Language``, the first of ``GOVUK_LANGUAGES``.
"""

from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations
from flask import Flask, current_app, request, session
from flask_babel import Babel, format_date, get_babel, get_locale, get_translations
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response

from govuk_layout.compression import add_vary

TRANSLATIONS = Path(__file__).parent / "translations"
SESSION_KEY = "govuk_layout.language"
QUERY_PARAMETER = "lang"
# Each language named in itself, as the GOV.UK language switcher shows it: never translated.
AUTONYMS = {"en": "English", "cy": "Cymraeg"}
# GOV.UK's date style, "4 March 2030" / "4 Mawrth 2030" (CLDR month names per language).
GOVUK_DATE = "d MMMM y"
# The time zone of "today" and of times shown to people (GOV.UK services keep UK time).
UK_TIME_ZONE = "Europe/London"


def N_(text: str) -> str:
    """Mark config text (a service name, a navigation label) for the catalogue; it is translated when shown."""
    return text


def _languages() -> list[str]:
    return list(current_app.config["GOVUK_LANGUAGES"])


@functools.lru_cache(maxsize=256)  # keyed by the client's header: bounded
def _best_match(header: str, languages: tuple[str, ...]) -> str:
    return parse_accept_header(header, LanguageAccept).best_match(languages) or languages[0]


def select_language() -> str:
    """The language of this request's page."""
    return _language_of(current_app._get_current_object())  # type: ignore[attr-defined]


def _language_of(app: Flask) -> str:
    # Each of Flask's proxies looked up once: every page asks, and a lookup costs more than what is done here.
    languages = app.config["GOVUK_LANGUAGES"]
    if len(languages) == 1:
        return str(languages[0])  # one language: never read the session or the browser's preference
    current = request._get_current_object()  # type: ignore[attr-defined]
    # Most requests have no query string: parsing an empty one still costs a MultiDict.
    chosen = current.args.get(QUERY_PARAMETER) if current.query_string else None
    if not chosen:
        chosen = session._get_current_object().get(SESSION_KEY)  # type: ignore[attr-defined]
    if chosen in languages:
        return str(chosen)
    header = current.environ.get("HTTP_ACCEPT_LANGUAGE")
    return _best_match(header, tuple(languages)) if header else str(languages[0])


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def _select_locale() -> Locale:
    """Flask-Babel's locale selector: a Locale made once per language, which Flask-Babel then takes as it is."""
    return _locale(select_language())


def current_language() -> str:
    """The language this request's page is in, for ``<html lang>``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # get_babel() would look it up thrice
    if get_babel(app).locale_selector is _select_locale:
        # Flask-Babel would ask our selector: asked directly, a page from the page cache, which translates
        # nothing, never sets up Flask-Babel's per-request state.
        return _locale(_language_of(app)).language
    locale = get_locale()
    return locale.language if locale is not None else _languages()[0]


def _remember_choice() -> None:
    """``?lang=`` on any page switches the language for the rest of the session."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup, not two
    if not current.query_string:
        return  # most requests: no query string to parse
    chosen = current.args.get(QUERY_PARAMETER)
    if chosen in _languages() and session.get(SESSION_KEY) != chosen:
        session[SESSION_KEY] = chosen


def _vary(response: Response) -> Response:
    # The same URL answers in another language for another Accept-Language or session.
    add_vary(response, "Accept-Language", "Cookie")
    return response


def switcher() -> list[dict[str, Any]]:
    """The GOV.UK language switcher's items: each language by its own name, the current one unlinked.

    Links are query-only (``?lang=cy``), so they stay on this page whatever its path.
    """
    if len(_languages()) < 2:
        return []
    here = current_language()
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != QUERY_PARAMETER]
    return [
        {
            "code": code,
            "text": AUTONYMS[code],
            "current": code == here,
            "href": "?" + urlencode([*kept, (QUERY_PARAMETER, code)]),
        }
        for code in _languages()
    ]


def config_text(text: str, translations: NullTranslations | None = None) -> str:
    """Text from config (service name, navigation, department) in the page's language.

    Looked up in the catalogues (``translations``, when the caller already has the page's) like any
    message, and English as it is when no catalogue has it. Unlike ``_()`` in templates, it never
    %-formats the text and never marks it safe.
    """
    if not text:
        return text
    return str((get_translations() if translations is None else translations).ugettext(text))


# A number in each CLDR plural category, to ask a catalogue for that category's form.
_PLURAL_EXAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 6, "other": 4}


def plural_forms(singular: str, plural: str) -> dict[str, str]:
    """A message in every plural category of the page's language, for govuk-frontend's JavaScript.

    govuk-frontend chooses the category in the browser (Intl.PluralRules; Welsh has six) and fills in
    ``%{count}``, which is left as it is. Extracted like ``ngettext`` (catalogues.KEYWORDS).
    """
    locale = get_locale()
    categories = sorted(locale.plural_form.tags | {"other"}) if locale else ["one", "other"]
    translations = get_translations()
    return {category: translations.ungettext(singular, plural, _PLURAL_EXAMPLES[category]) for category in categories}


def govuk_date(value: datetime.date | str) -> str:
    """A date as GOV.UK writes it, in the page's language: "4 March 2030", "4 Mawrth 2030"."""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return str(format_date(value, GOVUK_DATE))


def uk_today(now: datetime.datetime | None = None) -> datetime.date:
    """The date in the UK at ``now`` (an aware datetime; by default, now): what a visitor means by "today".

    A server keeps UTC, whose date is a day behind the UK's from 23:00 to midnight UTC in summer.
    """
    return (now or datetime.datetime.now(datetime.UTC)).astimezone(ZoneInfo(UK_TIME_ZONE)).date()


def month_number(text: str) -> int | None:
    """A month as a visitor may type it in a date input, or None: its number (``3``, ``03``), or its name or
    abbreviation in any of the app's languages, in any case, with or without a full stop (``March``, ``mar``,
    ``Sept.``, ``Mawrth``), as GOV.UK's date input guidance asks services to accept."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 2:
        return int(text) if 1 <= int(text) <= 12 else None
    return _month_names(tuple(_languages())).get(text.removesuffix(".").casefold())


@functools.cache
def _month_names(languages: tuple[str, ...]) -> dict[str, int]:
    """CLDR's names and abbreviations of the months in ``languages`` and their British forms ("Sept"), casefolded;
    a name two months share is left out, so a name never stands for the wrong month."""
    months: dict[str, set[int]] = {}
    for code in languages:
        for name in (code, f"{code}_GB"):
            try:
                locale = _locale(name)
            except UnknownLocaleError:  # a language with no British form
                continue
            for context in locale.months.values():
                for width in ("wide", "abbreviated"):
                    for number, month in context[width].items():
                        months.setdefault(month.casefold(), set()).add(number)
    return {month: numbers.pop() for month, numbers in months.items() if len(numbers) == 1}


def init_app(app: Flask) -> None:
    """Flask-Babel with the package's catalogues first, so the app's own catalogue can override them."""
    if "babel" in app.extensions:  # the app set up Flask-Babel itself: add our catalogues to its own
        configured = get_babel(app)
        configured.translation_directories.insert(0, str(TRANSLATIONS))
    else:
        own = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations")
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{TRANSLATIONS};{own}"
        Babel(app, locale_selector=_select_locale)
    app.jinja_env.filters["govuk_date"] = govuk_date
    if len(app.config["GOVUK_LANGUAGES"]) > 1:
        app.before_request(_remember_choice)
        app.after_request(_vary)
