"""English and Welsh: the language choice, the switcher, <html lang>, translated pages and dates."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask, abort, render_template_string, session
from flask.testing import FlaskClient
from flask_babel import Babel, get_locale

from govuk_layout import GovukLayout, catalogues, i18n
from govuk_layout.errors import PAGES
from govuk_layout.testing import csrf_token

PACKAGE = Path(i18n.__file__).parent
BILINGUAL = {"GOVUK_LANGUAGES": ["en", "cy"]}


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([a-z]+)"', html)
    assert match, "no <html lang>"
    return match.group(1)


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match
    return match.group(1).strip()


@pytest.fixture
def bilingual(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(**BILINGUAL).test_client()


def test_english_only_by_default_whatever_the_browser_asks(client: FlaskClient) -> None:
    html = client.get("/privacy?lang=cy", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert html_lang(html) == "en"
    assert title(html) == "Privacy notice – Apply for a thing – GOV.UK"
    assert "hreflang" not in html  # no switcher
    with client.session_transaction() as session:
        assert i18n.SESSION_KEY not in session  # nothing remembered


def test_accept_language_decides_a_first_visit(bilingual: FlaskClient) -> None:
    html = bilingual.get("/privacy", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert html_lang(html) == "cy"
    assert title(html) == "Hysbysiad preifatrwydd – Apply for a thing – GOV.UK"
    assert "Neidio i’r prif gynnwys" in html
    assert "© Hawlfraint y Goron" in html
    english = bilingual.get("/privacy", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert html_lang(english) == "en"
    assert html_lang(bilingual.get("/privacy").get_data(as_text=True)) == "en"  # no preference: the first language


def test_the_switcher_follows_the_govuk_pattern(bilingual: FlaskClient) -> None:
    html = bilingual.get("/privacy?x=1").get_data(as_text=True)
    nav = re.search(r'<nav[^>]*aria-label="Language switcher".*?</nav>', html, re.S)
    assert nav, "no language switcher"
    assert '<span lang="en" aria-current="true">English</span>' in nav.group(0)
    assert re.search(
        r'<a class="govuk-link" href="\?x=1&amp;lang=cy" hreflang="cy" lang="cy"[^>]*>Cymraeg</a>', nav.group(0)
    )
    welsh = bilingual.get("/privacy?x=1&lang=cy").get_data(as_text=True)
    nav = re.search(r'<nav[^>]*aria-label="Dewis iaith".*?</nav>', welsh, re.S)
    assert nav, "no Welsh language switcher"
    assert '<span lang="cy" aria-current="true">Cymraeg</span>' in nav.group(0)
    assert re.search(r'href="\?x=1&amp;lang=en" hreflang="en" lang="en"[^>]*>English</a>', nav.group(0))


def test_the_choice_is_remembered_for_the_session_over_the_browser(bilingual: FlaskClient) -> None:
    assert html_lang(bilingual.get("/cookies?lang=cy").get_data(as_text=True)) == "cy"
    assert html_lang(bilingual.get("/accessibility", headers={"Accept-Language": "en"}).get_data(as_text=True)) == "cy"
    assert (
        html_lang(bilingual.get("/accessibility?lang=en", headers={"Accept-Language": "cy"}).get_data(as_text=True))
        == "en"
    )
    assert html_lang(bilingual.get("/accessibility", headers={"Accept-Language": "cy"}).get_data(as_text=True)) == "en"


def test_an_unknown_language_changes_nothing(bilingual: FlaskClient) -> None:
    html = bilingual.get("/privacy?lang=fr", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert html_lang(html) == "cy"
    response = bilingual.get("/privacy?lang=%00", headers={"Accept-Language": "en"})
    assert response.status_code in (200, 400)
    assert html_lang(response.get_data(as_text=True)) == "en"


def test_pages_say_they_vary_by_language(bilingual: FlaskClient, client: FlaskClient) -> None:
    assert {"Accept-Language", "Cookie"} <= set(bilingual.get("/privacy").vary)
    assert "Accept-Language" not in client.get("/privacy").vary


@pytest.mark.parametrize(
    ("path", "welsh_title", "welsh_heading"),
    [
        ("/cookies", "Cwcis", "Cwcis"),
        ("/accessibility", "Datganiad hygyrchedd", "Datganiad hygyrchedd ar gyfer Apply for a thing"),
        ("/privacy", "Hysbysiad preifatrwydd", "Hysbysiad preifatrwydd"),
    ],
)
def test_standard_pages_in_welsh(bilingual: FlaskClient, path: str, welsh_title: str, welsh_heading: str) -> None:
    html = bilingual.get(f"{path}?lang=cy").get_data(as_text=True)
    assert title(html) == f"{welsh_title} – Apply for a thing – GOV.UK"
    assert f'<h1 class="govuk-heading-xl">{welsh_heading}</h1>' in html
    assert catalogues.english_left(catalogues.page_text(html), [PACKAGE]) == []


def test_the_session_expiry_page_in_welsh(bilingual: FlaskClient) -> None:
    html = bilingual.get("/session/expired", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert title(html) == "Mae eich atebion wedi cael eu dileu – Apply for a thing – GOV.UK"
    assert "am 20 munud" in html
    assert catalogues.english_left(catalogues.page_text(html), [PACKAGE]) == []


@pytest.fixture
def bilingual_analytics(make_analytics_app: Callable[..., Flask]) -> FlaskClient:
    return make_analytics_app(**BILINGUAL).test_client()


def test_the_cookie_banner_in_welsh(bilingual_analytics: FlaskClient) -> None:
    html = bilingual_analytics.get("/privacy?lang=cy").get_data(as_text=True)
    banner = re.search(r'<div class="govuk-cookie-banner.*?</form>', html, re.S)
    assert banner
    assert "Derbyn cwcis dadansoddol" in banner.group(0)
    assert "Gwrthod cwcis dadansoddol" in banner.group(0)
    assert catalogues.english_left(catalogues.page_text(banner.group(0)), [PACKAGE]) == []


def test_a_missing_choice_is_a_welsh_error(bilingual_analytics: FlaskClient) -> None:
    token = csrf_token(bilingual_analytics.get("/cookies?lang=cy").get_data(as_text=True))
    response = bilingual_analytics.post("/cookies", data={"csrf_token": token, "source": "page"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert title(html) == "Gwall: Cwcis – Apply for a thing – GOV.UK"
    assert "Mae problem" in html
    assert "Dewiswch ‘Ydw’ os ydych eisiau derbyn cwcis dadansoddol" in html
    assert '<span class="govuk-visually-hidden">Gwall:</span>' in html
    assert catalogues.english_left(catalogues.page_text(html), [PACKAGE]) == []


@pytest.mark.parametrize("code", PAGES)
def test_every_error_page_in_welsh(make_app: Callable[..., Flask], code: int) -> None:
    app = make_app(**BILINGUAL)
    app.add_url_rule("/fail", "fail", lambda: abort(code))
    response = app.test_client().get("/fail?lang=cy")
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert html_lang(html) == "cy"
    assert "Mae’n ddrwg gennym" in html or "Heb ddod o hyd" in html or "Nid oes gennych" in html or "rhy fawr" in html
    assert catalogues.english_left(catalogues.page_text(html), [PACKAGE]) == []


def test_the_csrf_timeout_page_in_welsh(make_app: Callable[..., Flask]) -> None:
    client = make_app(**BILINGUAL).test_client()
    client.get("/privacy?lang=cy")
    response = client.post("/cookies", data={"analytics": "yes", "source": "page"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Mae’n ddrwg gennym, mae amser y dudalen hon wedi dod i ben" in html
    assert "Ewch yn ôl i’r dudalen" in html
    assert catalogues.english_left(catalogues.page_text(html), [PACKAGE]) == []


def test_dates_per_language(make_app: Callable[..., Flask]) -> None:
    app = make_app(**BILINGUAL, GOVUK_ACCESSIBILITY_REVIEWED="2030-03-04")
    client = app.test_client()
    assert "last reviewed on 4 March 2030." in client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "adolygu ddiwethaf ar 4 Mawrth 2030." in client.get("/accessibility?lang=cy").get_data(as_text=True)
    with app.test_request_context("/?lang=cy"):
        assert i18n.govuk_date(datetime.date(2030, 3, 4)) == "4 Mawrth 2030"
        assert i18n.govuk_date("2031-12-25") == "25 Rhagfyr 2031"


@pytest.mark.parametrize(
    ("typed", "english_only", "bilingual"),
    [
        ("3", 3, 3),
        ("03", 3, 3),
        (" 12 ", 12, 12),
        ("March", 3, 3),
        ("mar", 3, 3),
        ("MAR.", 3, 3),
        ("Sept", 9, 9),  # the British abbreviation, beside CLDR's "Sep"
        ("sep", 9, 9),
        ("Mawrth", None, 3),
        ("maw", None, 3),
        ("chw", None, 2),  # Welsh has two abbreviations for some months: both are read
        ("Chwef", None, 2),
        ("Gorffennaf", None, 7),
        ("Mai", None, 5),
        ("13", None, None),
        ("0", None, None),
        ("003", None, None),
        ("Janury", None, None),
        ("", None, None),
        ("٣", None, None),  # a digit, but not one GOV.UK's numeric keyboard types
        ("3.", None, None),
    ],
)
def test_a_month_is_read_as_typed_in_the_apps_languages(
    make_app: Callable[..., Flask], typed: str, english_only: int | None, bilingual: int | None
) -> None:
    for app, expected in ((make_app(), english_only), (make_app(**BILINGUAL), bilingual)):
        with app.test_request_context("/"):
            assert i18n.month_number(typed) == expected


def test_config_text_comes_from_the_apps_catalogue(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    catalog = Catalog(locale="cy")
    catalog.add("Apply for a thing", "Gwneud cais am rywbeth")
    catalog.add("Check a request", "Gwirio cais")
    catalog.add("Cookies", "Cwcis y gwasanaeth")  # the app's catalogue wins over the package's
    (tmp_path / "cy" / "LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / "cy" / "LC_MESSAGES" / "messages.mo").open("wb") as file:
        write_mo(file, catalog)
    app = make_app(
        **BILINGUAL,
        BABEL_TRANSLATION_DIRECTORIES=str(tmp_path),
        GOVUK_NAVIGATION=[{"text": "Check a request", "href": "/status"}],
        GOVUK_SERVICE_NAME="100% Apply for a thing",
    )
    html = app.test_client().get("/privacy?lang=cy").get_data(as_text=True)
    assert "100% Apply for a thing" in html  # not a msgid here, and never %-formatted
    app = make_app(
        **BILINGUAL,
        BABEL_TRANSLATION_DIRECTORIES=str(tmp_path),
        GOVUK_NAVIGATION=[{"text": "Check a request", "href": "/status"}],
    )
    html = app.test_client().get("/privacy?lang=cy").get_data(as_text=True)
    assert title(html) == "Hysbysiad preifatrwydd – Gwneud cais am rywbeth – GOV.UK"
    assert "Gwirio cais" in html
    assert "Cwcis y gwasanaeth" in html
    assert "Apply for a thing" not in html


def test_the_package_catalogues_are_complete_and_compiled() -> None:
    assert catalogues.languages(PACKAGE) == ["cy"]
    assert catalogues.problems(PACKAGE) == []


def test_the_english_check_finds_english_and_only_whole_words(client: FlaskClient) -> None:
    found = catalogues.english_left(catalogues.page_text(client.get("/privacy").get_data(as_text=True)), [PACKAGE])
    assert {"Privacy notice", "Your rights", "Skip to main content", "© Crown copyright"} <= set(found)
    assert "Beta" not in found  # written the same in Welsh
    assert catalogues.english_left("Nodyn: Yesterday, Backs", [PACKAGE]) == []
    assert catalogues.english_left("This statement was last reviewed on 1 May 2030.", [PACKAGE]) == [
        "This statement was last reviewed on %(date)s."
    ]


# Every way a template translates, with values that need escaping, with autoescaping on and off.
TRANSLATING = [
    '{{ _("Continue") }}|{{ gettext("Back") }}',
    '{{ _("Cookies on %(service)s", service=name) }}',
    "{% trans service=name %}Cookies on {{ service }}{% endtrans %}",
    '{% trans cookies_url=name %}You’ve accepted analytics cookies. You can <a class="govuk-link" '
    'href="{{ cookies_url }}">change your cookie settings</a> at any time.{% endtrans %}',
    '{% for n in [1, 2, 3, 6] %}{{ ngettext("%(num)d minute", "%(num)d minutes", n) }};{% endfor %}',
    '{{ ngettext("%(num)d second", "%(num)d seconds", 2, num=5) }}',
    '{% autoescape false %}{{ _("Cookies on %(service)s", service=name) }}|{{ _("Continue") }}{% endautoescape %}',
    '{% macro m() %}{% set x = 1 %}{{ _("Cookies on %(service)s", service=name) }}{% endmacro %}{{ m() }}',
]


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("source", TRANSLATING)
def test_templates_translate_exactly_as_flask_babel_does(
    make_app: Callable[..., Flask], language: str, source: str
) -> None:
    app = make_app(**BILINGUAL)
    flask_babel = {name: app.jinja_env.globals[name] for name in ("_", "gettext", "ngettext")}
    with app.test_request_context(f"/?lang={language}"):
        ours = render_template_string(source, name="<b>A&B</b>")
        theirs = render_template_string(source, name="<b>A&B</b>", **flask_babel)
    assert ours == theirs
    assert "<b>" not in ours or "autoescape" in source
    if language == "cy":
        assert not re.search(r"Continue|Cookies on|accepted", ours)


@pytest.mark.parametrize(
    ("url", "headers", "session_language"),
    [
        ("/", {}, None),
        ("/?lang=cy", {}, None),
        ("/?lang=fr", {"Accept-Language": "cy;q=0.4, en;q=0.9"}, None),
        ("/", {"Accept-Language": "cy"}, None),
        ("/", {"Accept-Language": "de, fr"}, None),
        ("/", {"Accept-Language": "en"}, "cy"),
        ("/?lang=en", {}, "cy"),
    ],
)
def test_the_page_language_is_the_one_flask_babel_picks(
    make_app: Callable[..., Flask], url: str, headers: dict[str, str], session_language: str | None
) -> None:
    app = make_app(GOVUK_LANGUAGES=["en", "cy"])
    with app.test_request_context(url, headers=headers):
        if session_language:
            session[i18n.SESSION_KEY] = session_language
        asked = i18n.current_language()  # before Flask-Babel has worked it out for this request
        assert asked == get_locale().language


def test_an_apps_own_locale_selector_decides_the_page_language(make_app: Callable[..., Flask]) -> None:
    app = Flask("own_babel")
    app.config.update(make_app().config)
    Babel(app, locale_selector=lambda: "cy")
    GovukLayout(app)
    with app.test_request_context("/?lang=en", headers={"Accept-Language": "en"}):
        assert i18n.current_language() == "cy"


@pytest.mark.parametrize(
    ("utc", "uk_date"),
    [
        ("2026-06-01T23:30:00+00:00", "2026-06-02"),  # British Summer Time: the UK is a day ahead of UTC's date
        ("2026-06-01T22:59:00+00:00", "2026-06-01"),
        ("2026-12-01T23:30:00+00:00", "2026-12-01"),  # winter: the same date
        ("2026-03-29T00:30:00+00:00", "2026-03-29"),  # the night the clocks go forward
    ],
)
def test_today_is_the_uks_date(utc: str, uk_date: str) -> None:
    assert i18n.uk_today(datetime.datetime.fromisoformat(utc)) == datetime.date.fromisoformat(uk_date)
