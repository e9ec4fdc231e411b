"""The staff side: sign in through a real provider process, list, filter, page, decide; DynamoDB on moto."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from example_support import access_request, table_items, welsh_page
from flask import Flask
from flask.testing import FlaskClient

from example import staff
from example.model import APPROVED, REJECTED, Decision
from example.repository import AlreadyDecided
from govuk_layout.testing import csrf_token
from govuk_layout.testing.oidc import NON_STAFF, STAFF, oidc_config, oidc_provider, sign_in
from govuk_layout.testing.processes import ServerProcess

NOW = datetime.datetime(2026, 11, 29, 20, 15, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oidc_provider(tmp_path_factory.mktemp("oidc")) as url:
        yield url


@pytest.fixture
def app(make_app: Callable[..., Flask], moto: ServerProcess, issuer: str) -> Flask:
    return make_app(moto.url, **oidc_config(issuer))


def store(app: Flask, *requests: Any) -> None:
    for request in requests:
        assert app.extensions["example.store"].add_new(request, 30)


@pytest.fixture
def staff_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, STAFF["sub"]).status_code == 302
    return client


def decide(client: FlaskClient, reference: str, **data: str) -> Any:
    page = client.get(f"/staff/requests/{reference}")
    return client.post(f"/staff/requests/{reference}", data={**data, "csrf_token": csrf_token(page.text)})


def test_staff_pages_need_sign_in_and_come_back(app: Flask) -> None:
    client = app.test_client()
    store(app, access_request())
    first = client.get("/staff/requests/RA-7K3M-9QXP")
    assert first.status_code == 302
    assert first.location == "/sign-in?next=/staff/requests/RA-7K3M-9QXP"
    assert sign_in(client, STAFF["sub"], first.location).location == "/staff/requests/RA-7K3M-9QXP"
    assert client.get("/staff/requests/RA-7K3M-9QXP").status_code == 200


def test_non_staff_get_403(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, NON_STAFF["sub"])
    for path in ("/staff", "/staff/requests/RA-7K3M-9QXP"):
        assert client.get(path).status_code == 403
    assert client.post("/staff/requests/RA-7K3M-9QXP", data={"decision": "approve"}).status_code in (400, 403)


def test_staff_pages_are_404_without_sign_in_config(make_app: Callable[..., Flask], moto: ServerProcess) -> None:
    assert make_app(moto.url).test_client().get("/staff").status_code == 404


def test_list_is_newest_first_with_status_tags_and_no_store(app: Flask, staff_client: FlaskClient) -> None:
    store(
        app,
        access_request(reference="RA-AAAA-AAAA", full_name="Old Person", submitted_at=NOW - datetime.timedelta(days=2)),
        access_request(reference="RA-BBBB-BBBB", full_name="New Person", submitted_at=NOW),
    )
    page = staff_client.get("/staff")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.text.index("RA-BBBB-BBBB") < page.text.index("RA-AAAA-AAAA")
    assert "2 requests, newest first" in page.text
    assert "29 November 2026 at 8:15pm" in page.text
    assert 'href="/staff/requests/RA-BBBB-BBBB"' in page.text
    assert "Sam Staff" in page.text and 'href="/sign-out"' in page.text


def test_filter_by_status(app: Flask, staff_client: FlaskClient) -> None:
    store(app, access_request(reference="RA-AAAA-AAAA"), access_request(reference="RA-BBBB-BBBB"))
    assert decide(staff_client, "RA-BBBB-BBBB", decision="approve").status_code == 302
    received = staff_client.get("/staff?status=received").text
    approved = staff_client.get("/staff?status=approved").text
    assert "RA-AAAA-AAAA" in received and "RA-BBBB-BBBB" not in received
    assert "RA-BBBB-BBBB" in approved and "RA-AAAA-AAAA" not in approved
    assert '<option value="approved" selected>' in approved
    assert "There are no requests with this status" in staff_client.get("/staff?status=rejected").text
    assert staff_client.get("/staff?status=nonsense").status_code == 400


def test_pagination(app: Flask, staff_client: FlaskClient) -> None:
    requests = [
        access_request(reference=f"RA-AAAA-AA{a}{b}", submitted_at=NOW - datetime.timedelta(minutes=i))
        for i, (a, b) in enumerate((a, b) for a in "ABCDE" for b in "ABCDE")
    ]  # 25: a full page and five
    store(app, *requests)
    first = staff_client.get("/staff").text
    assert first.count('href="/staff/requests/') == staff.PAGE_SIZE
    assert 'class="govuk-pagination"' in first and 'href="/staff?page=2"' in first
    assert 'aria-current="page"' in first
    second = staff_client.get("/staff?page=2").text
    assert second.count('href="/staff/requests/') == 25 - staff.PAGE_SIZE
    assert requests[-1].reference in second and requests[0].reference not in second
    assert staff_client.get("/staff?page=3").status_code == 404
    for bad in ("0", "-1", "x", "١"):
        assert staff_client.get(f"/staff?page={bad}").status_code == 400


def test_pagination_params_collapse_long_runs() -> None:
    params = staff.pagination(5, 9, lambda n: f"/p{n}")
    numbers = [item.get("number", "…") for item in params["items"]]
    assert numbers == [1, "…", 4, 5, 6, "…", 9]
    assert params["previous"] == {"href": "/p4"} and params["next"] == {"href": "/p6"}
    assert "previous" not in staff.pagination(1, 2, str)


def test_one_request_in_a_summary_list(app: Flask, staff_client: FlaskClient) -> None:
    store(app, access_request())
    page = staff_client.get("/staff/requests/RA-7K3M-9QXP")
    assert 'class="govuk-summary-list"' in page.text
    for shown in ("Ada Lovelace", "ada@justice.gov.uk", "A private reason", "4 March 2030", "Received"):
        assert shown in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert staff_client.get("/staff/requests/RA-2222-2222").status_code == 404
    assert staff_client.get("/staff/requests/ra-7k3m-9qxp").status_code == 404


def test_approve_records_who_and_when_on_the_item(app: Flask, staff_client: FlaskClient) -> None:
    store(app, access_request())
    done = decide(staff_client, "RA-7K3M-9QXP", decision="approve", reason="ignored for an approval")
    assert done.status_code == 302
    page = staff_client.get(done.location).text
    assert "You approved request RA-7K3M-9QXP" in page
    assert "Approved</strong> by Sam Staff" in page
    assert "Save decision" not in page
    (item,) = table_items(app)
    assert item["status"] == {"S": APPROVED}
    assert item["decision"]["M"]["by"] == {"S": "Sam Staff"}
    assert item["decision"]["M"]["by_sub"] == {"S": STAFF["sub"]}
    assert "reason" not in item["decision"]["M"]
    at = datetime.datetime.fromisoformat(item["decision"]["M"]["at"]["S"])
    assert abs((datetime.datetime.now(datetime.UTC) - at).total_seconds()) < 60
    assert [event["M"]["outcome"] for event in item["audit"]["L"]] == [{"S": APPROVED}]


def test_reject_needs_a_reason_and_keeps_what_was_typed(app: Flask, staff_client: FlaskClient) -> None:
    store(app, access_request())
    missing = decide(staff_client, "RA-7K3M-9QXP", decision="reject", reason="  ")
    assert missing.status_code == 400
    assert "Enter why you are rejecting this request" in missing.text
    assert "<title>Error:" in missing.text
    too_long = decide(staff_client, "RA-7K3M-9QXP", decision="reject", reason="x" * 501)
    assert too_long.status_code == 400
    assert "x" * 501 in too_long.text
    nothing = decide(staff_client, "RA-7K3M-9QXP")
    assert "Select if you approve or reject this request" in nothing.text
    assert table_items(app)[0]["status"] == {"S": "Received"}

    done = decide(staff_client, "RA-7K3M-9QXP", decision="reject", reason="Use the other organisation")
    assert done.status_code == 302
    (item,) = table_items(app)
    assert item["status"] == {"S": REJECTED}
    assert item["decision"]["M"]["reason"] == {"S": "Use the other organisation"}


def test_requester_sees_the_decision_and_the_reason(app: Flask, staff_client: FlaskClient) -> None:
    store(app, access_request())
    decide(staff_client, "RA-7K3M-9QXP", decision="reject", reason="Use the other organisation")
    public = app.test_client().get("/status/RA-7K3M-9QXP")
    assert public.status_code == 200
    assert "Rejected" in public.text
    assert "Use the other organisation" in public.text
    assert "Decided on" in public.text
    assert "Sam Staff" not in public.text  # staff names stay on the staff side


def test_decisions_need_a_csrf_token(app: Flask, staff_client: FlaskClient) -> None:
    store(app, access_request())
    refused = staff_client.post("/staff/requests/RA-7K3M-9QXP", data={"decision": "approve"})
    assert refused.status_code == 400
    assert table_items(app)[0]["status"] == {"S": "Received"}


def test_second_decision_is_told_who_decided_first(app: Flask, staff_client: FlaskClient) -> None:
    store(app, access_request())
    other = app.test_client()
    sign_in(other, STAFF["sub"])
    # Both open the page while it is undecided; the first to save wins.
    first_page, second_page = (c.get("/staff/requests/RA-7K3M-9QXP").text for c in (staff_client, other))
    assert "Save decision" in first_page and "Save decision" in second_page
    won = staff_client.post(
        "/staff/requests/RA-7K3M-9QXP", data={"decision": "approve", "csrf_token": csrf_token(first_page)}
    )
    lost = other.post(
        "/staff/requests/RA-7K3M-9QXP",
        data={"decision": "reject", "reason": "No", "csrf_token": csrf_token(second_page)},
    )
    assert won.status_code == 302
    assert lost.status_code == 409
    assert re.search(r"This request was already approved by Sam Staff on \d+ \w+ \d{4} at \d+:\d\d[ap]m", lost.text)
    (item,) = table_items(app)
    assert item["status"] == {"S": APPROVED}
    assert len(item["audit"]["L"]) == 1


def test_the_store_refuses_a_second_decision_and_returns_the_first(app: Flask) -> None:
    """The condition is checked by DynamoDB in the same write, which makes racing writers safe there.

    moto's server does not serialise concurrent requests, so racing threads against it would test moto,
    not the condition: this checks the condition itself, one write after the other.
    """
    store(app, access_request())
    target = app.extensions["example.store"]
    first = Decision(outcome=APPROVED, by="First Staff", by_sub="1", at=NOW)
    target.decide("RA-7K3M-9QXP", first)
    with pytest.raises(AlreadyDecided) as taken:
        target.decide("RA-7K3M-9QXP", Decision(outcome=REJECTED, by="Second Staff", by_sub="2", at=NOW, reason="r"))
    assert taken.value.request is not None
    assert taken.value.request.decision == first
    assert taken.value.request.audit == (first,)
    (item,) = table_items(app)
    assert len(item["audit"]["L"]) == 1
    with pytest.raises(AlreadyDecided) as missing:
        target.decide("RA-2222-2222", first)
    assert missing.value.request is None
    assert len(table_items(app)) == 1  # the condition also stops an update creating an item


def test_deciding_a_request_that_does_not_exist_is_404(staff_client: FlaskClient) -> None:
    assert staff_client.post("/staff/requests/RA-2222-2222", data={"decision": "approve"}).status_code in (400, 404)


def test_store_down_is_the_503_page(make_app: Callable[..., Flask], issuer: str) -> None:
    from govuk_layout.testing.processes import free_port

    app = make_app(f"http://127.0.0.1:{free_port()}", create_table=False, **oidc_config(issuer))
    client = app.test_client()
    sign_in(client, STAFF["sub"])
    assert client.get("/staff").status_code == 503
    assert client.get("/staff/requests/RA-7K3M-9QXP").status_code == 503


def test_uk_datetime(app: Flask) -> None:
    summer, winter = datetime.datetime(2026, 7, 1, 11, 5, tzinfo=datetime.UTC), datetime.datetime(2026, 1, 1, 0, 30)
    with app.test_request_context("/?lang=en"):
        assert staff.uk_datetime(summer) == "1 July 2026 at 12:05pm"
        assert staff.uk_datetime(winter.replace(tzinfo=datetime.UTC)) == "1 January 2026 at 12:30am"
    with app.test_request_context("/?lang=cy"):
        assert staff.uk_datetime(summer) == "1 Gorffennaf 2026 am 12:05yh"


def test_staff_pages_in_welsh(app: Flask, staff_client: FlaskClient) -> None:
    store(app, access_request(reference="RA-AAAA-AAAA"), access_request(reference="RA-BBBB-BBBB"))
    listing = welsh_page(staff_client.get("/staff?lang=cy"))
    assert "Ceisiadau am fynediad" in listing
    assert "2 gais, y mwyaf diweddar yn gyntaf" in listing
    assert "Wedi dod i law" in listing
    with decide(staff_client, "RA-AAAA-AAAA", decision="reject") as refused:
        assert refused.status_code == 400
        assert "Rhowch y rheswm pam rydych yn gwrthod y cais hwn" in welsh_page(refused)
    with decide(staff_client, "RA-AAAA-AAAA", decision="reject", reason="Nid yw’r tîm yn hysbys") as rejected:
        assert rejected.status_code == 302
    detail = welsh_page(staff_client.get("/staff/requests/RA-AAAA-AAAA"))
    assert "Rydych wedi gwrthod cais RA-AAAA-AAAA" in detail
    assert "Wedi’i wrthod" in detail
    [item] = [item for item in table_items(app) if item["reference"] == {"S": "RA-AAAA-AAAA"}]
    assert item["status"] == {"S": REJECTED}  # stored the same whatever the staff member's language
