"""The journey's session: a new id when it starts and when it is sent, answers gone once stored, no caching."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from example_support import reference_on, valid_answers
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from example import journey
from govuk_layout.sessions import BOOKKEEPING_KEYS
from govuk_layout.testing import csrf_token, form_client
from govuk_layout.testing.processes import ServerProcess


def _sid(app: Flask, client: FlaskClient) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _submit(client: FlaskClient) -> str:
    with client.get("/request/check-answers") as page:
        token = csrf_token(page.get_data(as_text=True))
    with client.post("/request/check-answers", data={"csrf_token": token}) as sent:
        assert sent.headers["Location"] == "/request/confirmation"
    with client.get("/request/confirmation") as confirmation:
        return reference_on(confirmation.get_data(as_text=True))


def test_the_id_rotates_when_the_journey_starts_and_when_it_is_sent(
    app: Flask, client: FlaskClient, post_form: Callable[..., TestResponse], answer_all: Callable[[], None]
) -> None:
    client.get("/request/full-name")  # the form's CSRF token makes the first session
    before_start = _sid(app, client)
    with post_form("/request/full-name", valid_answers()["full-name"]):
        pass
    started = _sid(app, client)
    assert started != before_start
    answer_all()
    assert _sid(app, client) == started  # answering more keeps the id
    _submit(client)
    assert _sid(app, client) != started


def test_once_stored_the_session_keeps_only_the_reference(
    app: Flask, client: FlaskClient, answer_all: Callable[[], None]
) -> None:
    answer_all()
    reference = _submit(client)
    with client.session_transaction() as session:
        assert session[journey.SESSION_KEY] == {"reference": reference, "submitted": True}
        assert set(session) - BOOKKEEPING_KEYS == {journey.SESSION_KEY}


def test_pages_showing_answers_or_a_reference_are_never_cached(
    app: Flask, client: FlaskClient, answer_all: Callable[[], None]
) -> None:
    answer_all()
    for path in ("/request/full-name", "/request/check-answers"):
        with client.get(path) as page:
            assert page.headers["Cache-Control"] == "no-store", path
    reference = _submit(client)
    for path in ("/request/confirmation", f"/status/{reference}", "/status"):
        with client.get(path) as page:
            assert page.status_code == 200, path
            assert page.headers["Cache-Control"] == "no-store", path


def test_a_journey_page_after_the_session_expired_shows_the_expiry_page(
    app: Flask, client: FlaskClient, answer_all: Callable[[], None]
) -> None:
    answer_all()
    sid = _sid(app, client)
    app.session_interface._delete_session(app.session_interface._get_store_id(sid))  # type: ignore[attr-defined]
    with client.get("/request/check-answers") as page:
        assert page.headers["Location"] == "/session/expired"
    with client.get("/session/expired") as expired:
        html = expired.get_data(as_text=True)
    assert "Your answers have been deleted" in html
    assert "Start again" in html
    # Afterwards the journey simply starts again.
    with client.get("/request/check-answers") as page:
        assert page.headers["Location"] == "/request/full-name"


def test_a_first_visit_stores_nothing_until_a_question_is_answered(
    make_app: Callable[..., Flask], moto: ServerProcess, redis_url: str
) -> None:
    """The start page's banner and the question's form carry CSRF tokens; only the answer needs the store."""
    prefix = f"test-journey-{uuid.uuid4().hex}:"
    app = make_app(moto.url, REDIS_URL=redis_url, SESSION_KEY_PREFIX=prefix, RATELIMIT_ENABLED=False)
    store = app.session_interface.client  # type: ignore[attr-defined]
    client = form_client(app)
    for path in ("/", "/request/full-name"):
        with client.get(path) as page:
            assert page.status_code == 200, path
    assert store.keys(f"{prefix}*") == []
    first = _sid(app, client)
    with client.post_form("/request/full-name", valid_answers()["full-name"]) as answered:
        assert answered.headers["Location"] == "/request/email"
    (key,) = store.keys(f"{prefix}*")
    assert key.decode() == f"{prefix}{_sid(app, client)}" != f"{prefix}{first}"
    assert b"Ada Lovelace" in store.get(key)
    store.close()
