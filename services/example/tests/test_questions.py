"""Each question's validation: GOV.UK messages, error summary, "Error:" titles, nothing typed lost."""

from __future__ import annotations

import datetime
import html as html_lib
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from example_support import future_date, valid_answers
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from govuk_layout.i18n import uk_today
from govuk_layout.testing.processes import ServerProcess


@pytest.fixture(scope="module")
def app(make_app: Callable[..., Flask], moto: ServerProcess) -> Flask:
    """One app for the module: these tests only use the session, so they share its compiled templates.

    Rate limits are off under TESTING: this module's many posts from one address would otherwise reach them.
    """
    return make_app(moto.url)


def _answer_up_to(post_form: Callable[..., TestResponse], slug: str) -> None:
    for earlier, data in valid_answers().items():
        if earlier == slug:
            return
        with post_form(f"/request/{earlier}", data):
            pass


def _assert_error(response: TestResponse, message: str, anchor: str) -> str:
    assert response.status_code == 400
    page = html_lib.unescape(response.get_data(as_text=True))
    assert re.search(r"<title>Error: ", page)
    summary = re.search(r'class="govuk-error-summary".*?</div>\s*</div>', page, re.S)
    assert summary, "no error summary"
    assert f'href="#{anchor}">{message}</a>' in summary.group(0)
    assert re.search(
        rf'class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span> {re.escape(message)}', page
    )
    assert page.count(anchor) >= 2  # the summary links to an element that exists
    return page


PAST = uk_today() - datetime.timedelta(days=1)
NAME_CHARACTERS = "Full name must only include letters, spaces, hyphens, full stops and apostrophes"


@pytest.mark.parametrize(
    ("slug", "data", "message", "anchor"),
    [
        ("full-name", {"full_name": ""}, "Enter your full name", "full_name"),
        ("full-name", {"full_name": "   "}, "Enter your full name", "full_name"),
        ("full-name", {"full_name": "x" * 101}, "Full name must be 100 characters or less", "full_name"),
        *(
            ("full-name", {"full_name": name}, NAME_CHARACTERS, "full_name")
            for name in ("Ada\nLovelace", "Ada\tLovelace", "Ada \u202eecalevoL", "<script>x</script>", "R2-D2")
        ),
        ("email", {"email": ""}, "Enter your work email address", "email"),
        (
            "email",
            {"email": "ada at justice.gov.uk"},
            "Enter an email address in the correct format, like name@justice.gov.uk",
            "email",
        ),
        (
            "email",
            {"email": "ada@gmail.com"},
            "Enter a government email address, ending in .gov.uk, like name@justice.gov.uk",
            "email",
        ),
        (
            "email",
            {"email": "ada@justice.gov.uk.example.com"},
            "Enter a government email address, ending in .gov.uk, like name@justice.gov.uk",
            "email",
        ),
        ("organisation", {}, "Select which organisation you need access to", "organisation"),
        (
            "organisation",
            {"organisation": "not-an-org"},
            "Select which organisation you need access to",
            "organisation",
        ),
        ("reason", {"reason": ""}, "Enter why you need access", "reason"),
        ("reason", {"reason": "x" * 501}, "Why you need access must be 500 characters or less", "reason"),
        ("start-date", {}, "Enter the date you need access from", "start_date-day"),
        ("start-date", {"start_date": ["", "", ""]}, "Enter the date you need access from", "start_date-day"),
        (
            "start-date",
            {"start_date": ["1", "", "2030"]},
            "Date you need access from must include a month",
            "start_date-month",
        ),
        (
            "start-date",
            {"start_date": ["", "4", ""]},
            "Date you need access from must include a day and year",
            "start_date-day",
        ),
        (
            "start-date",
            {"start_date": ["31", "2", "2030"]},
            "Date you need access from must be a real date",
            "start_date-day",
        ),
        (
            "start-date",
            {"start_date": ["1", "13", "2030"]},
            "Date you need access from must be a real date",
            "start_date-month",
        ),
        (
            "start-date",
            {"start_date": ["one", "2", "2030"]},
            "Date you need access from must be a real date",
            "start_date-day",
        ),
        (
            "start-date",
            {"start_date": ["1", "2", "²⁰³⁰"]},
            "Date you need access from must be a real date",
            "start_date-year",
        ),
        ("start-date", {"start_date": ["1", "2", "30"]}, "Year must include 4 numbers", "start_date-year"),
        (
            "start-date",
            {"start_date": [str(PAST.day), str(PAST.month), str(PAST.year)]},
            "Date you need access from must be today or in the future",
            "start_date-day",
        ),
        # Tampered posts: the widget needs exactly three parts, and must still not 500.
        ("start-date", {"start_date": ["1", "2"]}, "Date you need access from must be a real date", "start_date-day"),
        (
            "start-date",
            {"start_date": ["1", "2", "2030", "4"]},
            "Date you need access from must be a real date",
            "start_date-day",
        ),
        ("start-date", {"start_date": "1"}, "Date you need access from must be a real date", "start_date-day"),
    ],
)
def test_validation_messages(
    post_form: Callable[..., TestResponse], slug: str, data: dict[str, Any], message: str, anchor: str
) -> None:
    _answer_up_to(post_form, slug)
    with post_form(f"/request/{slug}", data) as response:
        _assert_error(response, message, anchor)


@pytest.mark.parametrize(
    ("typed", "month"), [("3", "March"), ("March", "March"), ("sept.", "September"), ("Mawrth", "March")]
)
def test_a_month_can_be_typed_as_its_name(
    client: FlaskClient, post_form: Callable[..., TestResponse], typed: str, month: str
) -> None:
    year = str(future_date().year + 1)
    _answer_up_to(post_form, "start-date")
    with post_form("/request/start-date", {"start_date": ["4", typed, year]}) as response:
        assert response.status_code == 302
    assert f"4 {month} {year}" in client.get("/request/check-answers").get_data(as_text=True)


@pytest.mark.parametrize("name", ["Siân O’Neill-Jones", "José Ñúñez", "J. R. R. Tolkien", "Zoë d'Arc", "王小明"])
def test_names_in_any_script_are_accepted(post_form: Callable[..., TestResponse], name: str) -> None:
    with post_form("/request/full-name", {"full_name": name}) as response:
        assert response.status_code == 302


def test_what_was_typed_is_shown_again(post_form: Callable[..., TestResponse]) -> None:
    _answer_up_to(post_form, "email")
    with post_form("/request/email", {"email": "ada@example.com"}) as response:
        assert 'value="ada@example.com"' in _assert_error(
            response, "Enter a government email address, ending in .gov.uk, like name@justice.gov.uk", "email"
        )
    _answer_up_to(post_form, "start-date")
    with post_form("/request/start-date", {"start_date": ["30", "2", "2031"]}) as response:
        page = _assert_error(response, "Date you need access from must be a real date", "start_date-day")
        for value in ("30", "2", "2031"):
            assert f'name="start_date" type="text" value="{value}"' in page


def test_today_is_accepted_and_newlines_count_once(post_form: Callable[..., TestResponse]) -> None:
    _answer_up_to(post_form, "reason")
    # 500 characters as the browser's counter sees them, posted with CRLF newlines.
    reason = "\r\n".join(["x" * 99] * 5) + "x"
    assert len(reason.replace("\r\n", "\n")) == 500
    with post_form("/request/reason", {"reason": reason}) as response:
        assert response.status_code == 302
    today = uk_today()
    with post_form(
        "/request/start-date", {"start_date": [f" {today.day} ", f"{today.month:02}", str(today.year)]}
    ) as response:
        assert response.status_code == 302


@pytest.mark.parametrize(
    "email", ["ada@justice.gov.uk", "Ada.Lovelace@Digital.Justice.GOV.UK", "ada@cabinetoffice.gov.uk"]
)
def test_government_addresses_are_accepted(post_form: Callable[..., TestResponse], email: str) -> None:
    _answer_up_to(post_form, "email")
    with post_form("/request/email", {"email": email}) as response:
        assert response.status_code == 302


def test_date_hint_is_a_future_example(post_form: Callable[..., TestResponse]) -> None:
    _answer_up_to(post_form, "start-date")
    with post_form("/request/start-date", {}) as response:
        example = future_date(30)
        assert f"For example, {example.day} {example.month} {example.year}" in response.get_data(as_text=True)


def test_long_non_ascii_answers_stay_on_the_server_and_the_cookie_holds_only_an_id(
    app: Flask, client: FlaskClient, post_form: Callable[..., TestResponse]
) -> None:
    """The longest, least compressible answers are kept whole, and none of them reaches the cookie."""
    chars = random.Random(0)
    answers = valid_answers()
    answers["full-name"]["full_name"] = "".join(chars.choice("ÄÖÜßéèœ漢字") for _ in range(100))
    answers["reason"]["reason"] = "".join(chr(chars.randint(0x1F300, 0x1FAFF)) for _ in range(500))
    for slug, data in answers.items():
        with post_form(f"/request/{slug}", data) as response:
            assert response.status_code == 302, slug
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie.value)
    assert answers["reason"]["reason"] in html_lib.unescape(client.get("/request/check-answers").get_data(as_text=True))
