"""Jinja loading for govuk-frontend-jinja and the per-request template context."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from typing import Any

from babel.support import NullTranslations
from flask import Blueprint, Flask, current_app, request, url_for
from flask_babel import get_translations, gettext
from jinja2 import BaseLoader, PackageLoader, PrefixLoader, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape
from werkzeug.routing import BuildError

from govuk_layout import assets, consent, i18n, static
from govuk_layout.config import ConfigError
from govuk_layout.urls import app_url, current_path

FORMS_EXTRA = 'pip install "govuk-layout[forms]"'
# What in a template needs govuk-frontend-wtf: the form page, its error summary helper, or its widgets.
_USES_FORMS = re.compile(r"govuk_layout/form_page\.html|wtforms_errors|govuk_frontend_wtf")
# Templates the check skips: the package's and govuk-frontend's own.
_LIBRARY_TEMPLATES = ("govuk_layout/", "govuk_frontend_jinja/", "govuk_frontend_wtf/")


def forms_extra_installed() -> bool:
    """Whether govuk-frontend-wtf (the ``forms`` extra) can be imported."""
    try:
        import govuk_frontend_wtf  # noqa: F401
    except ImportError:
        return False
    return True


def _forms_extra_missing(what: str) -> ConfigError:
    return ConfigError(f"{what} govuk-frontend-wtf, which is not installed: {FORMS_EXTRA}")


class _FrontendTemplates(Blueprint):
    """A Blueprint with no routes whose only job is to expose govuk-frontend-jinja's templates.

    govuk-frontend-jinja's templates import each other as ``govuk_frontend_jinja/...``,
    so they are mounted under that prefix. When govuk-frontend-wtf is installed its
    widget templates are mounted as ``govuk_frontend_wtf/...`` too, and the
    ``wtforms_errors`` global is available. Flask consults every blueprint's loader,
    so apps write no loader code of their own.
    """

    @property
    def jinja_loader(self) -> BaseLoader | None:
        loaders: dict[str, BaseLoader] = {"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}
        if forms_extra_installed():
            loaders["govuk_frontend_wtf"] = PackageLoader("govuk_frontend_wtf")
        return PrefixLoader(loaders)


frontend_templates = _FrontendTemplates("govuk_frontend_jinja", __name__)


@frontend_templates.app_template_global()
def require_forms_extra() -> str:
    """Called by form_page.html: without the forms extra, a form page says so when it first renders."""
    if not forms_extra_installed():
        raise _forms_extra_missing("govuk_layout/form_page.html needs")
    return ""


def check_forms_extra(app: Flask) -> None:
    """At start-up: refuse when the app's templates use the form page or its helpers without the forms extra.

    Only templates the app can see when ``init_app`` runs are read (its own and earlier blueprints'),
    and only when the extra is missing; the rest are caught by :func:`require_forms_extra`.
    """
    if forms_extra_installed():
        return
    loader = app.jinja_env.loader
    assert loader is not None  # a Flask app always has one
    users = [
        name
        for name in app.jinja_env.list_templates(filter_func=lambda name: not name.startswith(_LIBRARY_TEMPLATES))
        if _USES_FORMS.search(loader.get_source(app.jinja_env, name)[0])
    ]
    if users:
        raise _forms_extra_missing(f"{app.name}'s templates ({', '.join(users)}) use")


@frontend_templates.app_template_global()
def wtforms_errors(form: Any, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """govukErrorSummary params for a WTForms form (needs govuk-frontend-wtf).

    Wraps govuk-frontend-wtf's helper so a date's error links to the first of its inputs in error (the day
    when the message is about the whole date), as the GOV.UK error summary guidance asks.
    """
    if not forms_extra_installed():
        raise _forms_extra_missing("wtforms_errors needs")
    from govuk_frontend_wtf.main import wtforms_errors as summary_params
    from govuk_frontend_wtf.wtforms_widgets import GovDateInput

    from govuk_layout.widgets import DATE_PARTS, date_error_parts

    summary: dict[str, Any] = summary_params(form, {"titleText": gettext("There is a problem"), **(params or {})})
    dates = {
        f"#{field.id}": f"#{field.name}-{(date_error_parts(field) or DATE_PARTS)[0]}"
        for field in form
        if isinstance(field.widget, GovDateInput)
    }
    for item in summary["errorList"]:
        item["href"] = dates.get(item.get("href"), item.get("href"))
    return summary


def asset_url(filename: str) -> str:
    """The URL of a govuk-frontend runtime file (CSS, JS, font or image), fingerprinted when it was built so."""
    return request.script_root + static.asset_path(filename)


# Every page's stylesheet, per GOVUK_BRAND: GOV.UK's draws the footer crest only with crest_stylesheet(); the
# organisation's has no GDS Transport or crest, and has MOJ's header.
STYLESHEETS = {"govuk": assets.GOVUK_CSS, "organisation": assets.ORGANISATION_CSS}


@frontend_templates.app_template_global()
def brand_stylesheet() -> str:
    """The URL of the page stylesheet for the app's brand."""
    return asset_url(STYLESHEETS[current_app.config["GOVUK_BRAND"]])


@frontend_templates.app_template_global()
def crest_stylesheet() -> str:
    """The URL of the stylesheet that draws the GOV.UK footer's crest (loaded when the footer nears the viewport)."""
    return asset_url(assets.CREST_CSS)


@frontend_templates.app_template_global()
def moj_stylesheet() -> str:
    """The URL of MOJ Frontend's stylesheet for the app's brand (GDS Transport only under GOV.UK's)."""
    return asset_url(assets.MOJ_CSS[current_app.config["GOVUK_BRAND"]])


@frontend_templates.app_template_global()
def moj_script() -> str:
    """The URL of MOJ Frontend's script (an ES module exporting ``initAll``)."""
    return asset_url(assets.MOJ_JS)


@frontend_templates.app_template_global()
def organisation_logo() -> str:
    """The organisation brand's header logo: GOVUK_ORGANISATION_LOGO, else the Ministry of Justice crest."""
    logo: str | None = current_app.config["GOVUK_ORGANISATION_LOGO"]
    return app_url(logo) if logo else asset_url(assets.MOJ_CREST)


_MOJ_DATE_FORMATS = {"date": "{day} {date:%B %Y}", "shortdate": "{day} {date:%b %Y}"}


def _time(value: datetime.datetime) -> str:
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}:{value.minute:02d}{suffix}" if value.minute else f"{hour}{suffix}"


def _as_datetime(value: datetime.date | str) -> datetime.date:
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value


@frontend_templates.app_template_filter()
def moj_date(value: datetime.date | str, kind: str = "datetime") -> str:
    """MOJ Frontend's date styles: datetime "1 January 2026 at 1:32pm", shortdatetime "1 Jan 2026 at 1pm",
    date, shortdate or time."""
    moment = _as_datetime(value)
    short = kind.startswith("short")
    day = _MOJ_DATE_FORMATS["shortdate" if short else "date"].format(day=moment.day, date=moment)
    if kind in ("date", "shortdate") or not isinstance(moment, datetime.datetime):
        return day
    return _time(moment) if kind == "time" else f"{day} at {_time(moment)}"


@frontend_templates.app_template_filter()
def moj_iso(value: datetime.date | str) -> str:
    """A ``<time datetime>`` value: ISO 8601."""
    return _as_datetime(value).isoformat()


def navigation() -> list[dict[str, Any]]:
    """Service navigation items: ``current`` on the page itself, ``active`` anywhere in its section."""
    items = current_app.config["GOVUK_NAVIGATION"]
    path = request.path
    return [
        {
            "text": i18n.config_text(item["text"]),
            "href": app_url(item["href"]),
            "current": path == item["href"],
            "active": path == item["href"] or (item["href"] != "/" and path.startswith(item["href"].rstrip("/") + "/")),
        }
        for item in items
    ]


def footer_links() -> list[dict[str, str]]:
    """GOVUK_FOOTER_LINKS as govukFooter items: text translated, endpoints resolved, paths under the prefix."""
    links = []
    for link in current_app.config["GOVUK_FOOTER_LINKS"]:
        try:
            href = url_for(link["endpoint"]) if link["endpoint"] else app_url(link["href"])
        except BuildError:
            raise ConfigError(f"GOVUK_FOOTER_LINKS: the app has no endpoint {link['endpoint']!r}") from None
        links.append({"href": href, "text": i18n.config_text(link["text"])})
    return links


# The words between the first [ and ] of GOVUK_PHASE_BANNER_TEXT are the feedback link.
_FEEDBACK_LINK = re.compile(r"\[([^\]]+)\]")


@frontend_templates.app_template_global()
def phase_banner_html(feedback_url: str) -> Markup | None:
    """GOVUK_PHASE_BANNER_TEXT, translated and escaped, its bracketed words linking to ``feedback_url``; else None."""
    text: str | None = current_app.config["GOVUK_PHASE_BANNER_TEXT"]
    if text is None:
        return None
    text = i18n.config_text(text)
    words = _FEEDBACK_LINK.search(text)
    if words is None:
        return escape(text)
    link = Markup('<a class="govuk-link" href="{}">{}</a>').format(feedback_url, words[1])  # format escapes both
    return escape(text[: words.start()]) + link + text[words.end() :]  # Markup + str escapes the str


def _template_gettext(translations: NullTranslations) -> tuple[Callable[..., str], Callable[..., str]]:
    """``gettext`` and ``ngettext`` for templates, reading ``translations``: Jinja's newstyle ones, made cheap.

    They escape and %-format exactly as ``jinja2.ext``'s newstyle callables do, but take only the
    evaluation context: Jinja's ``_`` looks ``gettext`` up and calls it through the template context,
    which calls the catalogue through it again, so each ``_()`` cost about four plain calls.
    """
    ugettext, ungettext = translations.ugettext, translations.ungettext

    # A message is the template's own text, so it may hold HTML (a link); the values put in are escaped.
    @pass_eval_context
    def gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
        text = ugettext(string)
        return (Markup(text) if eval_ctx.autoescape else text) % variables  # nosec B704 - as Jinja's own

    @pass_eval_context
    def ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = ungettext(singular, plural, num)
        return (Markup(text) if eval_ctx.autoescape else text) % variables  # nosec B704 - as Jinja's own

    return gettext, ngettext


def context() -> dict[str, Any]:
    # This render's catalogue, looked up once. Flask-Babel's template gettext finds it again (request,
    # locale, domain) on every _(), {% trans %} and config_text(): about a fifth of a start page's render.
    translations = get_translations()
    template_gettext, template_ngettext = _template_gettext(translations)
    return {
        "gettext": template_gettext,
        "_": template_gettext,  # in place of the i18n extension's alias, which looks gettext up again per call
        "ngettext": template_ngettext,
        "app_url": app_url,
        "current_path": current_path,
        "footer_links": footer_links,
        "asset_url": asset_url,
        "govuk_navigation": navigation,
        "cookie_consent": consent.current_choice(),
        "config_text": functools.partial(i18n.config_text, translations=translations),
        "current_language": i18n.current_language,
        "language_switcher": i18n.switcher,
    }
