"""Hostile input against the journey's forms, with DynamoDB behind them on a real moto server.

Property-based (hypothesis, derandomized): very long strings, control characters and NUL,
invalid UTF-8, HTML and script payloads, missing, duplicated and unexpected fields, wrong
content types. Every case gets a GOV.UK validation message or a 4xx GOV.UK page, never a
5xx; nothing it echoes is unescaped; and whatever reaches the table is valid.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator

import pytest
from example_support import table_items, valid_answers
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from example import journey
from example.model import ORGANISATIONS, AccessRequest, is_government_email
from example.questions import QUESTIONS, REASON_MAX
from govuk_layout.testing import FormClient, form_client
from govuk_layout.testing.hostile import HOSTILE as KIT_SETTINGS
from govuk_layout.testing.hostile import PAYLOADS, SCRIPT, assert_safe
from govuk_layout.testing.processes import ServerProcess

# Fewer cases than the kit's default: each one here walks real DynamoDB and a session.
HOSTILE = settings(KIT_SETTINGS, max_examples=40)
# Valid answers too, so hostile fields ride alongside input the forms accept.
text = st.one_of(
    st.sampled_from(
        [*PAYLOADS, "\u202eku.vog.ecitsuj@ada", "ada@justice.gov.uk", "moj-analytical-services", "2030-01-01"]
    ),
    st.text(max_size=600),
)
FIELDS = [question.name for question in QUESTIONS] + ["reference", "csrf_token", "submit", ""]
FORM_URLS = [f"/request/{question.slug}" for question in QUESTIONS] + ["/request/check-answers", "/status"]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@pytest.fixture(scope="module")
def app(make_app: Callable[..., Flask], moto: ServerProcess) -> Flask:
    """One app and table for the module; no rate limits under TESTING (these tests send more than a person would)."""
    return make_app(moto.url)


@pytest.fixture
def journey_client(app: Flask) -> Iterator[FormClient]:
    """A client that has answered every question validly, and the table checked afterwards."""
    client = form_client(app)
    for slug, data in valid_answers().items():
        with client.post_form(f"/request/{slug}", data) as response:
            assert response.status_code == 302
    yield client
    assert_table_holds_only_valid_requests(app)


def assert_answers_valid(answers: dict[str, str]) -> None:
    """What the session keeps between pages obeys each question's rules."""
    for field, value in answers.items():
        assert not CONTROL.search(value), (field, value)
    if "full_name" in answers:
        assert 0 < len(answers["full_name"]) <= 100 and answers["full_name"] == answers["full_name"].strip()
    if "email" in answers:
        assert len(answers["email"]) <= 254 and is_government_email(answers["email"])
    if "organisation" in answers:
        assert answers["organisation"] in ORGANISATIONS
    if "reason" in answers:
        assert 0 < len(answers["reason"]) <= REASON_MAX
    if "start_date" in answers:
        datetime.date.fromisoformat(answers["start_date"])


def assert_table_holds_only_valid_requests(app: Flask) -> None:
    for item in table_items(app):
        flat = {key: next(iter(value.values())) for key, value in item.items()}
        stored = AccessRequest.from_item(flat)
        assert set(stored.answers) == {question.name for question in QUESTIONS}
        assert_answers_valid(dict(stored.answers))
        assert datetime.date.fromisoformat(stored.answers["start_date"]) >= stored.submitted_at.date()


def _session_answers(client: FormClient) -> dict[str, str]:
    with client.session_transaction() as session:
        return dict((session.get(journey.SESSION_KEY) or {}).get("answers") or {})


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda question: question.slug)
def test_question_pages(journey_client: FormClient, question: journey.Question) -> None:
    path = f"/request/{question.slug}"
    token = journey_client.csrf_token(path)

    @HOSTILE
    @given(
        own=st.lists(text, max_size=4),  # missing, one, or duplicated values of the page's own field
        extra=st.lists(st.tuples(st.sampled_from(FIELDS), text), max_size=3),
    )
    def check(own: list[str], extra: list[tuple[str, str]]) -> None:
        data = [(question.name, value) for value in own] + extra
        with journey_client.post_form(path, data, token=token) as response:
            body = assert_safe(response)
            if response.status_code == 400 and "govuk-error-summary" in body:
                assert "<title>Error: " in body
        assert_answers_valid(_session_answers(journey_client))

    check()
    # Whatever the session kept is what gets stored (checked by the fixture).
    _submit(journey_client)


def _submit(client: FormClient) -> None:
    with client.post_form("/request/check-answers", {"extra": SCRIPT}) as response:
        assert_safe(response)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/request/confirmation")


def test_hostile_fields_alongside_valid_answers_are_not_stored(app: Flask, journey_client: FormClient) -> None:
    before = len(table_items(app))
    for slug, data in valid_answers().items():
        with journey_client.post_form(f"/request/{slug}", {**data, "full_name2": SCRIPT, "admin": "true"}) as response:
            assert_safe(response)
    _submit(journey_client)
    items = table_items(app)
    assert len(items) == before + 1
    assert not any(key in item for item in items for key in ("full_name2", "admin"))


def test_status_lookup(app: Flask) -> None:
    client = form_client(app)
    token = client.csrf_token("/status")
    before = len(table_items(app))

    @HOSTILE
    @given(references=st.lists(text, max_size=3), extra=st.lists(st.tuples(st.sampled_from(FIELDS), text), max_size=2))
    def check(references: list[str], extra: list[tuple[str, str]]) -> None:
        data = [("reference", value) for value in references] + extra
        with client.post_form("/status", data, token=token) as response:
            assert_safe(response)
            assert response.status_code in (302, 400, 404, 413)

    check()
    assert len(table_items(app)) == before  # a lookup never writes


def test_status_pages_by_any_path(app: Flask) -> None:
    client = form_client(app)

    @HOSTILE
    @given(reference=st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=80)))
    def check(reference: str) -> None:
        with client.get(f"/status/{reference}", follow_redirects=True) as response:
            assert_safe(response)

    check()


def test_raw_bodies_and_wrong_content_types(app: Flask, journey_client: FormClient) -> None:
    tokens = {path: journey_client.csrf_token(path) for path in FORM_URLS}

    @HOSTILE
    @given(
        path=st.sampled_from(FORM_URLS),
        body=st.binary(max_size=1_500),
        content_type=st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "multipart/form-data; boundary=--x",
                "application/json",
                "text/plain",
                "",
            ]
        ),
        with_token=st.booleans(),
    )
    def check(path: str, body: bytes, content_type: str, with_token: bool) -> None:
        payload = (f"csrf_token={tokens[path]}&".encode() if with_token else b"") + body
        with journey_client.post(path, data=payload, content_type=content_type) as response:
            assert_safe(response)
        assert_answers_valid(_session_answers(journey_client))

    check()


def test_query_strings_of_any_bytes(app: Flask, journey_client: FormClient) -> None:
    @HOSTILE
    @given(path=st.sampled_from(["/", *FORM_URLS]), query=st.binary(max_size=200))
    def check(path: str, query: bytes) -> None:
        with journey_client.get(path, environ_overrides={"QUERY_STRING": query.decode("latin-1")}) as response:
            assert_safe(response)

    check()


def test_posting_without_a_token_saves_nothing(app: Flask) -> None:
    client = form_client(app)
    with client.post("/request/full-name", data={"full_name": "Ada Lovelace"}) as response:
        assert response.status_code == 400
        assert "Sorry, this page has timed out" in assert_safe(response)
    assert _session_answers(client) == {}
