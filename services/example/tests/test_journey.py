"""The whole request-access journey against a real moto server process."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from example_support import future_date, reference_on, table_items, valid_answers
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from govuk_layout.i18n import govuk_date

SLUGS = list(valid_answers())


def _text(response: TestResponse) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_whole_journey_stores_one_item_and_finds_it_by_reference(
    app: Flask, client: FlaskClient, post_form: Callable[..., TestResponse], answer_all: Callable[[], None]
) -> None:
    answer_all()
    check = _text(client.get("/request/check-answers"))
    assert "<title>Check your answers before sending your request – " in check
    for shown in (
        "Ada Lovelace",
        "ada.lovelace@digital.justice.gov.uk",
        "moj-analytical-services GitHub organisation",
        "I maintain the analytical platform&#39;s data pipelines.",
    ):
        assert shown in check
    with app.test_request_context("/?lang=en"):
        assert govuk_date(future_date()) in check

    with post_form("/request/check-answers") as sent:
        assert sent.status_code == 302
        assert sent.headers["Location"] == "/request/confirmation"
    confirmation = client.get("/request/confirmation")
    html = confirmation.get_data(as_text=True)
    assert "govuk-panel--confirmation" in html
    reference = reference_on(html)
    assert re.fullmatch(r"RA-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}", reference)

    [item] = table_items(app)
    assert item["reference"] == {"S": reference}
    assert item["full_name"] == {"S": "Ada Lovelace"}
    assert item["start_date"] == {"S": future_date().isoformat()}
    retention = datetime.timedelta(days=app.config["REQUEST_RETENTION_DAYS"])
    submitted = datetime.datetime.fromisoformat(item["submitted_at"]["S"])
    assert int(item["Expires"]["N"]) == int((submitted + retention).timestamp())

    with post_form("/status", {"reference": reference.lower().replace("-", " ")}) as found:
        assert found.status_code == 302
        assert found.headers["Location"] == f"/status/{reference}"
    detail = _text(client.get(f"/status/{reference}"))
    assert f"Request {reference}" in detail
    assert "Received" in detail
    assert "moj-analytical-services GitHub organisation" in detail
    # The reference alone must not reveal personal details.
    assert "ada.lovelace@" not in detail
    assert "data pipelines" not in detail


def test_each_question_is_its_own_page_with_back_links(
    client: FlaskClient, post_form: Callable[..., TestResponse]
) -> None:
    answers = valid_answers()
    previous = "/"
    for slug in SLUGS:
        page = client.get(f"/request/{slug}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f'href="{previous}" class="govuk-back-link"' in html or re.search(
            rf'class="govuk-back-link"[^>]*href="{re.escape(previous)}"', html
        )
        assert html.count("<h1") == 1
        assert 'name="csrf_token"' in html
        with post_form(f"/request/{slug}", answers[slug]):
            pass
        previous = f"/request/{slug}"
    assert client.get("/request/check-answers").status_code == 200


def test_skipping_ahead_goes_back_to_the_first_unanswered_question(
    client: FlaskClient, post_form: Callable[..., TestResponse]
) -> None:
    assert client.get("/request/reason").headers["Location"] == "/request/full-name"
    assert client.get("/request/check-answers").headers["Location"] == "/request/full-name"
    with post_form("/request/full-name", valid_answers()["full-name"]):
        pass
    assert client.get("/request/start-date").headers["Location"] == "/request/email"
    assert client.get("/request/confirmation").headers["Location"] == "/"


def test_unknown_question_is_404(client: FlaskClient) -> None:
    assert client.get("/request/favourite-colour").status_code == 404


def test_answers_are_shown_again_when_going_back(client: FlaskClient, answer_all: Callable[[], None]) -> None:
    answer_all()
    assert 'value="Ada Lovelace"' in client.get("/request/full-name").get_data(as_text=True)
    html = client.get("/request/organisation").get_data(as_text=True)
    assert re.search(r'value="moj-analytical-services" checked', html)
    html = client.get("/request/start-date").get_data(as_text=True)
    assert f'name="start_date" type="text" value="{future_date().year}"' in html


def test_change_links_return_to_check_answers(
    client: FlaskClient, post_form: Callable[..., TestResponse], answer_all: Callable[[], None]
) -> None:
    answer_all()
    check = client.get("/request/check-answers").get_data(as_text=True)
    links = re.findall(r'href="(/request/[a-z-]+\?change=1)"', check)
    assert links == [f"/request/{slug}?change=1" for slug in SLUGS]
    assert 'Change<span class="govuk-visually-hidden"> work email address</span>' in check

    page = client.get("/request/email?change=1").get_data(as_text=True)
    assert 'href="/request/check-answers" class="govuk-back-link"' in page or re.search(
        r'class="govuk-back-link"[^>]*href="/request/check-answers"', page
    )
    with post_form("/request/email?change=1", {"email": "grace.hopper@justice.gov.uk"}) as changed:
        assert changed.headers["Location"] == "/request/check-answers"
    check = client.get("/request/check-answers").get_data(as_text=True)
    assert "grace.hopper@justice.gov.uk" in check
    assert "ada.lovelace@" not in check

    # An invalid change keeps the user on the question, still in change mode.
    with post_form("/request/reason?change=1", {"reason": ""}) as invalid:
        assert invalid.status_code == 400
    with post_form("/request/reason?change=1", {"reason": "A new reason"}) as fixed:
        assert fixed.headers["Location"] == "/request/check-answers"


def test_posting_without_the_field_is_an_error_not_the_old_answer(
    client: FlaskClient, post_form: Callable[..., TestResponse], answer_all: Callable[[], None]
) -> None:
    answer_all()
    with post_form("/request/full-name", {}) as response:
        assert response.status_code == 400
    with post_form("/request/organisation", {}) as response:
        assert response.status_code == 400
