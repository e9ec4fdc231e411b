"""Submitting stores exactly one item, however often or however the request is sent."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from botocore.stub import Stubber
from example_support import access_request, reference_on, table_items
from flask import Flask
from werkzeug.test import TestResponse

from govuk_layout.testing import FormClient


def _journey_identity(client: FormClient) -> tuple[str, str]:
    with client.session_transaction() as session:
        state = session["request_access"]
        return state["reference"], state["token"]


def _confirmed_reference(client: FormClient) -> str:
    with client.get("/request/confirmation") as page:
        assert page.status_code == 200
        return reference_on(page.get_data(as_text=True))


def _send(client: FormClient, token: str) -> TestResponse:
    return client.post("/request/check-answers", data={"csrf_token": token})


def test_refresh_after_submit_stores_one_item(app: Flask, client: FormClient, answer_all: Callable[[], None]) -> None:
    answer_all()
    token = client.csrf_token("/request/check-answers")
    for _ in range(3):  # the browser re-posts the same form
        with _send(client, token) as sent:
            assert sent.headers["Location"] == "/request/confirmation"
    reference = _confirmed_reference(client)
    assert [item["reference"]["S"] for item in table_items(app)] == [reference]


def test_two_tabs_store_one_item_with_the_same_reference(
    app: Flask, client: FormClient, answer_all: Callable[[], None]
) -> None:
    answer_all()
    first_tab, second_tab = client.csrf_token("/request/check-answers"), client.csrf_token("/request/check-answers")
    with _send(client, first_tab):
        pass
    first = _confirmed_reference(client)
    with _send(client, second_tab) as again:
        assert again.headers["Location"] == "/request/confirmation"
    assert _confirmed_reference(client) == first
    assert len(table_items(app)) == 1


def test_back_and_resubmit_shows_the_same_reference(
    app: Flask, client: FormClient, answer_all: Callable[[], None]
) -> None:
    answer_all()
    token = client.csrf_token("/request/check-answers")
    with _send(client, token):
        pass
    reference = _confirmed_reference(client)
    with client.get("/request/check-answers") as back:
        assert back.headers["Location"] == "/request/confirmation"
    with client.get("/request/reason") as back:
        assert back.headers["Location"] == "/request/confirmation"
    with _send(client, token):
        pass
    assert _confirmed_reference(client) == reference
    assert len(table_items(app)) == 1


def test_a_submit_whose_answer_was_lost_counts_once(
    app: Flask, client: FormClient, answer_all: Callable[[], None]
) -> None:
    """The write landed but the response never arrived (a timeout): sending again finds it by its token."""
    answer_all()
    reference, token = _journey_identity(client)
    landed = access_request(
        reference=reference,
        token=token,
        email="ada.lovelace@digital.justice.gov.uk",
        organisation="moj-analytical-services",
        reason="Earlier copy",
        start_date="2030-01-01",
    )
    assert app.extensions["example.store"].add_new(landed, 30)
    with _send(client, client.csrf_token("/request/check-answers")):
        pass
    assert _confirmed_reference(client) == reference
    [item] = table_items(app)
    assert item["reason"] == {"S": "Earlier copy"}


def test_someone_elses_reference_is_never_overwritten(
    app: Flask, client: FormClient, answer_all: Callable[[], None]
) -> None:
    answer_all()
    reference, _ = _journey_identity(client)
    theirs = access_request(
        reference=reference,
        token="another-journey",
        full_name="Grace Hopper",
        email="grace@justice.gov.uk",
        reason="Theirs",
        start_date="2030-01-01",
    )
    assert app.extensions["example.store"].add_new(theirs, 30)
    with _send(client, client.csrf_token("/request/check-answers")):
        pass
    mine = _confirmed_reference(client)
    assert mine != reference
    items = {item["reference"]["S"]: item for item in table_items(app)}
    assert set(items) == {reference, mine}
    assert items[reference]["full_name"] == {"S": "Grace Hopper"}
    assert items[mine]["full_name"] == {"S": "Ada Lovelace"}


def test_starting_again_after_a_submit_is_a_new_request(
    app: Flask, client: FormClient, answer_all: Callable[[], None], post_form: Callable[..., TestResponse]
) -> None:
    answer_all()
    with post_form("/request/check-answers"):
        pass
    first = _confirmed_reference(client)
    page = client.get("/request/full-name").get_data(as_text=True)
    assert "Ada Lovelace" not in page  # a fresh, empty journey
    answer_all()
    with post_form("/request/check-answers"):
        pass
    second = _confirmed_reference(client)
    assert second != first
    assert {item["reference"]["S"] for item in table_items(app)} == {first, second}


def test_check_answers_without_csrf_token_is_refused(
    app: Flask, client: FormClient, answer_all: Callable[[], None]
) -> None:
    answer_all()
    with client.post("/request/check-answers", data={}) as refused:
        assert refused.status_code == 400
        assert re.search(r"<title>(Error: )?[^<]*– Ministry of Justice</title>", refused.get_data(as_text=True))
    assert table_items(app) == []


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
)
def test_throttling_is_a_503_and_the_answers_stay(
    app: Flask,
    client: FormClient,
    answer_all: Callable[[], None],
    post_form: Callable[..., TestResponse],
    code: str,
) -> None:
    answer_all()
    store = app.extensions["example.store"]
    with Stubber(store._client()) as stub:
        stub.add_client_error("put_item", service_error_code=code, http_status_code=400)
        with post_form("/request/check-answers") as sent:
            assert sent.status_code == 503
            assert "Sorry, the service is unavailable" in sent.get_data(as_text=True)
        stub.assert_no_pending_responses()
    with post_form("/request/check-answers") as sent:
        assert sent.headers["Location"] == "/request/confirmation"
    assert len(table_items(app)) == 1
