"""Server-side sessions in a real Redis: an id-only cookie, timeouts, rotation, the expiry page and outages."""

from __future__ import annotations

import logging
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask, render_template_string, request, session
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from werkzeug.test import TestResponse

from govuk_layout import ConfigError, GovukLayout, no_store, rotate_session, session_expired
from govuk_layout import sessions as sessions_module
from govuk_layout.testing import csrf_token
from govuk_layout.testing.processes import free_port

HTTPS = "https://localhost"
SECRET_ANSWER = "Ada Lovelace, 12 Acacia Avenue"
_ID = re.compile(r"[A-Za-z0-9_-]{43}")


@pytest.fixture
def redis_app(make_app: Callable[..., Flask], redis_url: str) -> Iterator[Flask]:
    """An app keeping sessions in the test Redis, with views that store, read and rotate an answer."""
    app = make_app(REDIS_URL=redis_url, RATELIMIT_ENABLED=False, SESSION_KEY_PREFIX="test-sessions:")
    _answer_views(app)
    yield app
    app.session_interface.client.close()  # type: ignore[attr-defined]


def _answer_views(app: Flask) -> None:
    @app.post("/answer")
    def answer() -> str:
        session["answer"] = SECRET_ANSWER
        return "saved"

    @app.get("/read")
    def read() -> str:
        return f"{session.get('answer', '')}|expired={session_expired()}"

    @app.post("/rotate")
    def rotate() -> str:
        rotate_session()
        return "rotated"

    @app.get("/reference")
    @no_store
    def reference() -> str:
        return "RA-7K3M-9QXP"


def _csrf_off(app: Flask) -> FlaskClient:
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def _session_id(app: Flask, client: FlaskClient) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="localhost")
    assert cookie is not None, "no session cookie"
    return cookie.value


def _store(app: Flask) -> redis.Redis:
    return app.session_interface.client  # type: ignore[attr-defined, no-any-return]


def test_the_cookie_holds_only_a_random_id_and_the_answer_lives_in_redis(redis_app: Flask) -> None:
    client = _csrf_off(redis_app)
    with client.post("/answer", base_url=HTTPS) as response:
        cookie = response.headers["Set-Cookie"]
    sid = _session_id(redis_app, client)
    assert _ID.fullmatch(sid)
    assert "Ada" not in cookie and "Acacia" not in cookie
    stored = _store(redis_app).get(f"test-sessions:{sid}")
    assert stored is not None and SECRET_ANSWER.encode() in stored
    with client.get("/read", base_url=HTTPS) as response:
        assert response.get_data(as_text=True) == f"{SECRET_ANSWER}|expired=False"


def test_the_cookie_is_host_prefixed_secure_httponly_lax_and_ends_with_the_browser(redis_app: Flask) -> None:
    client = _csrf_off(redis_app)
    with client.post("/answer", base_url=HTTPS) as response:
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"):
        assert flag in cookie
    # No Expires or Max-Age: the idle timeout is the server's, so an expired id can be recognised.
    assert "Expires" not in cookie and "Max-Age" not in cookie
    assert "Domain" not in cookie


def test_a_host_cookie_with_a_domain_is_refused(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="__Host- session cookie cannot have a domain"):
        make_app(SESSION_COOKIE_DOMAIN="example.gov.uk")


def test_the_idle_timeout_is_the_stores_time_to_live_renewed_by_every_request(
    make_app: Callable[..., Flask], redis_url: str
) -> None:
    app = make_app(REDIS_URL=redis_url, RATELIMIT_ENABLED=False, GOVUK_SESSION_IDLE_TIMEOUT=300)
    _answer_views(app)
    client = _csrf_off(app)
    client.post("/answer")
    key = f"{app.import_name}:session:{_session_id(app, client)}"
    store = _store(app)
    store.expire(key, 10)  # as if most of the timeout had passed
    client.get("/read")
    assert 290 <= store.ttl(key) <= 300


def test_after_the_idle_timeout_the_answers_are_gone_and_the_expiry_is_recognised(redis_app: Flask) -> None:
    client = _csrf_off(redis_app)
    client.post("/answer")
    _store(redis_app).delete(f"test-sessions:{_session_id(redis_app, client)}")  # what the time-to-live does
    with client.get("/read") as response:
        assert response.get_data(as_text=True) == "|expired=True"


def test_a_form_sent_after_the_session_expired_goes_to_the_expiry_page(redis_app: Flask) -> None:
    client = _csrf_off(redis_app)
    client.post("/answer")
    _store(redis_app).delete(f"test-sessions:{_session_id(redis_app, client)}")
    with client.post("/answer") as response:
        assert response.status_code == 303
        assert response.headers["Location"] == "/session/expired"


def test_the_absolute_lifetime_ends_even_an_active_session(
    make_app: Callable[..., Flask], redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(REDIS_URL=redis_url, RATELIMIT_ENABLED=False, GOVUK_SESSION_MAX_LIFETIME=3600)
    _answer_views(app)
    client = _csrf_off(app)
    client.post("/answer")
    old = _session_id(app, client)
    now = sessions_module.time.time()
    monkeypatch.setattr(sessions_module.time, "time", lambda: now + 3601)
    with client.get("/read") as response:
        assert response.get_data(as_text=True) == "|expired=True"
    assert _store(app).get(f"{app.import_name}:session:{old}") is None


def test_rotating_gives_a_new_id_keeps_the_answers_and_kills_the_old_id(redis_app: Flask) -> None:
    client = _csrf_off(redis_app)
    client.post("/answer")
    old = _session_id(redis_app, client)
    client.post("/rotate")
    new = _session_id(redis_app, client)
    assert new != old and _ID.fullmatch(new)
    assert _store(redis_app).get(f"test-sessions:{old}") is None
    assert client.get("/read").get_data(as_text=True) == f"{SECRET_ANSWER}|expired=False"
    # Someone holding the old id gets nothing.
    thief = redis_app.test_client()
    thief.set_cookie(redis_app.config["SESSION_COOKIE_NAME"], old)
    assert thief.get("/read").get_data(as_text=True) == "|expired=True"


def test_the_extension_offers_rotation_too(redis_app: Flask) -> None:
    with redis_app.test_request_context("/"):
        session["answer"] = SECRET_ANSWER
        session.sid = "x" * 43  # type: ignore[attr-defined]
        GovukLayout.rotate_session()
        assert session.sid != "x" * 43  # type: ignore[attr-defined]
        assert session["answer"] == SECRET_ANSWER


def test_pages_sent_while_the_session_holds_answers_are_not_stored_by_caches(redis_app: Flask) -> None:
    client = _csrf_off(redis_app)
    with client.get("/") as before:
        assert "no-store" not in before.headers.get("Cache-Control", "")
    client.post("/answer")
    with client.get("/") as after:
        assert after.headers["Cache-Control"] == "no-store"
    with redis_app.test_client().get("/reference") as marked:
        assert marked.headers["Cache-Control"] == "no-store"


def test_the_expiry_page_explains_links_to_the_start_and_forgets_the_session(redis_app: Flask) -> None:
    client = _csrf_off(redis_app)
    client.post("/answer")
    sid = _session_id(redis_app, client)
    with client.get("/session/expired") as response:
        html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Your answers have been deleted – Apply for a thing – GOV.UK</title>" in html
    assert "you did not do anything for 20 minutes" in html
    assert '<a class="govuk-link" href="/">Start again</a>' in html
    assert _store(redis_app).get(f"test-sessions:{sid}") is None


def test_continue_renews_a_live_session_and_reports_a_gone_one(redis_app: Flask) -> None:
    client = _csrf_off(redis_app)
    client.post("/answer")
    with client.get("/session/extend") as response:
        assert response.status_code == 204
        assert response.headers["Cache-Control"] == "no-store"
    _store(redis_app).delete(f"test-sessions:{_session_id(redis_app, client)}")
    with client.get("/session/extend") as response:
        assert response.status_code == 410


def test_production_without_redis_refuses_to_start(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match=r"REDIS_URL \(or GOVUK_SESSION_STORE\) is required"):
        make_app(TESTING=False, RATELIMIT_ENABLED=False)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"GOVUK_SESSION_IDLE_TIMEOUT": 60, "GOVUK_TIMEOUT_WARNING_SECONDS": 60}, "less than GOVUK_SESSION_IDLE"),
        ({"GOVUK_SESSION_IDLE_TIMEOUT": 600, "GOVUK_SESSION_MAX_LIFETIME": 300}, "at least GOVUK_SESSION_IDLE"),
        ({"GOVUK_SESSION_STORE": "disk"}, "GOVUK_SESSION_STORE"),
    ],
)
def test_bad_session_settings_are_refused(
    make_app: Callable[..., Flask], config: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        make_app(**config)


def _fallbacks(store: str) -> float:
    return REGISTRY.get_sample_value("govuk_store_fallbacks_total", {"store": store}) or 0.0


def test_a_redis_outage_is_a_503_page_with_retry_after_a_warning_and_a_counter(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", RATELIMIT_ENABLED=False)  # nothing listens
    _answer_views(app)
    client = _csrf_off(app)
    before = _fallbacks("session")
    with caplog.at_level(logging.WARNING), client.post("/answer") as saving:
        assert saving.status_code == 503
        assert saving.headers["Retry-After"] == "30"
        assert "Sorry, the service is unavailable" in saving.get_data(as_text=True)
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "a" * 43)
    with client.get("/read") as reading:
        assert reading.status_code == 503
    with client.get("/healthz") as probe:  # probes need no session, even when they carry one
        assert probe.status_code == 200
    assert _fallbacks("session") == before + 3
    assert any("session store unreachable" in record.getMessage() for record in caplog.records)


def test_a_redis_that_never_answers_gives_up_within_its_short_socket_timeout(
    make_app: Callable[..., Flask], silent_redis: str
) -> None:
    app = make_app(REDIS_URL=silent_redis, RATELIMIT_ENABLED=False)
    _answer_views(app)
    options = app.session_interface.client.connection_pool.connection_kwargs  # type: ignore[attr-defined]
    assert options["socket_timeout"] <= 0.25 and options["socket_connect_timeout"] <= 0.25
    client = _csrf_off(app)
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "a" * 43)
    with client.get("/read") as response:
        assert response.status_code == 503


def test_the_timeout_warning_is_on_form_pages_with_the_configured_times(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_SESSION_IDLE_TIMEOUT=600, GOVUK_TIMEOUT_WARNING_SECONDS=90)

    @app.get("/form")
    def form() -> str:
        from flask import render_template_string

        return render_template_string('{% extends "govuk_layout/form_page.html" %}', form={"errors": {}})

    with app.test_client().get("/form") as response:
        html = response.get_data(as_text=True)
    assert '<dialog id="govuk-timeout-warning"' in html
    assert 'data-idle-seconds="600" data-warning-seconds="90"' in html
    assert "we will delete your answers in 90 seconds" in html
    nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce is not None
    assert html.count(f'nonce="{nonce.group(1)}"') == html.count("<script")
    # Pages that are not forms, and services that switch it off, get no warning.
    assert "govuk-timeout-warning" not in app.test_client().get("/").get_data(as_text=True)
    quiet = make_app(GOVUK_TIMEOUT_WARNING=False)
    quiet.add_url_rule("/form", view_func=form)
    assert "govuk-timeout-warning" not in quiet.test_client().get("/form").get_data(as_text=True)


def test_development_needs_no_set_up_and_every_process_shares_the_sessions_on_disk(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in ("REDIS_URL", "GOVUK_SESSION_STORE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # Two apps, as the reloader's child and a second worker are: what one stores, the other reads.
    writer, reader = (
        make_app(TESTING=False, GOVUK_ENVIRONMENT="development", RATELIMIT_ENABLED=False) for _ in range(2)
    )
    for app in (writer, reader):
        _answer_views(app)
    client = _csrf_off(writer)
    client.post("/answer").close()
    sid = _session_id(writer, client)
    (folder,) = tmp_path.iterdir()
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {path.stat().st_mode & 0o777 for path in folder.iterdir()} == {0o600}
    other = _csrf_off(reader)
    other.set_cookie(reader.config["SESSION_COOKIE_NAME"], sid)
    with other.get("/read") as response:
        assert response.get_data(as_text=True) == f"{SECRET_ANSWER}|expired=False"


# An anonymous first visit: a page with a form gives the browser an id, and the store nothing.

FORM = '<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}"></form>'


@pytest.fixture
def form_app(make_app: Callable[..., Flask], redis_url: str) -> Iterator[Flask]:
    """``redis_app`` plus a page with a form (its CSRF token) and a view that stores what it posts, CSRF on."""
    app = make_app(REDIS_URL=redis_url, RATELIMIT_ENABLED=False, SESSION_KEY_PREFIX=f"test-anon-{uuid.uuid4().hex}:")
    _answer_views(app)

    @app.route("/form", methods=["GET", "POST"])
    def form() -> str:
        if request.method == "POST":
            session["answer"] = request.form["answer"]
            return "saved"
        return render_template_string(FORM)

    yield app
    app.session_interface.client.close()  # type: ignore[attr-defined]


def _stored_keys(app: Flask) -> list[bytes]:
    return _store(app).keys(f"{app.config['SESSION_KEY_PREFIX']}*")


def _answer(client: FlaskClient, token: str | None) -> TestResponse:
    return client.post("/form", data={"answer": SECRET_ANSWER, **({"csrf_token": token} if token else {})})


def test_a_first_visit_to_a_form_stores_nothing_and_still_gets_an_id_cookie(form_app: Flask) -> None:
    client = form_app.test_client()
    with client.get("/form", base_url=HTTPS) as page:
        cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"):
        assert flag in cookie
    assert _stored_keys(form_app) == []
    # Coming back changes nothing either: no write, no new cookie.
    with client.get("/form", base_url=HTTPS) as again:
        assert "Set-Cookie" not in again.headers
    assert _stored_keys(form_app) == []


def test_a_response_that_never_touches_the_session_sets_no_cookie_and_stores_nothing(form_app: Flask) -> None:
    with form_app.test_client().get("/") as response:
        assert "Set-Cookie" not in response.headers
    assert _stored_keys(form_app) == []


def test_the_form_of_a_first_visit_is_accepted_and_the_answer_is_stored_under_a_new_id(form_app: Flask) -> None:
    client = form_app.test_client()
    with client.get("/form") as page:
        token = csrf_token(page.get_data(as_text=True))
    anonymous = _session_id(form_app, client)
    with _answer(client, token) as saved:
        assert (saved.status_code, saved.get_data(as_text=True)) == (200, "saved")
    sid = _session_id(form_app, client)
    assert sid != anonymous and _ID.fullmatch(sid)  # the id that holds answers is one the store must know
    (key,) = _stored_keys(form_app)
    assert key.decode() == f"{form_app.config['SESSION_KEY_PREFIX']}{sid}"
    assert SECRET_ANSWER.encode() in (_store(form_app).get(key) or b"")
    assert client.get("/read").get_data(as_text=True) == f"{SECRET_ANSWER}|expired=False"
    # A page opened before the answer was stored (another tab) still posts.
    with _answer(client, token) as again:
        assert again.status_code == 200


@pytest.mark.parametrize("token", [None, "", "not-a-token", "ImFiYyI.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"])
def test_a_first_visit_form_sent_without_its_token_is_refused(form_app: Flask, token: str | None) -> None:
    client = form_app.test_client()
    client.get("/form").close()
    with _answer(client, token) as refused:
        assert refused.status_code == 400
    assert _stored_keys(form_app) == []


def test_a_first_visit_token_works_only_with_its_own_id(form_app: Flask) -> None:
    theirs, mine = form_app.test_client(), form_app.test_client()
    with theirs.get("/form") as page:
        token = csrf_token(page.get_data(as_text=True))
    mine.get("/form").close()
    with _answer(mine, token) as refused:
        assert refused.status_code == 400
    without = form_app.test_client()  # no cookie at all
    with _answer(without, token) as refused:
        assert refused.status_code == 400
    assert _stored_keys(form_app) == []


def test_an_id_issued_without_data_is_not_expired_when_it_comes_back(form_app: Flask) -> None:
    client = form_app.test_client()
    with client.get("/form") as page:
        token = csrf_token(page.get_data(as_text=True))
    for key in _stored_keys(form_app):  # whatever the store held for it is gone, as after the idle timeout
        _store(form_app).delete(key)
    assert client.get("/read").get_data(as_text=True) == "|expired=False"
    with client.get("/session/extend") as renewed:  # the timeout warning's "Continue": nothing was lost
        assert renewed.status_code == 204
    with _answer(client, token) as saved:
        assert (saved.status_code, saved.get_data(as_text=True)) == (200, "saved")


def test_an_id_whose_answers_were_deleted_still_gets_the_expiry_page(form_app: Flask) -> None:
    client = form_app.test_client()
    with client.get("/form") as page:
        token = csrf_token(page.get_data(as_text=True))
    _answer(client, token).close()
    (key,) = _stored_keys(form_app)
    _store(form_app).delete(key)
    assert client.get("/read").get_data(as_text=True) == "|expired=True"
    with _answer(client, token) as sent:
        assert sent.status_code == 303
        assert sent.headers["Location"] == "/session/expired"
    assert _stored_keys(form_app) == []


def _forgeries(issued: str) -> list[str]:
    """Ids like ``issued`` that its app never issued: each part changed, parts swapped, unsigned."""
    head, _, tail = issued.rpartition(".")
    flipped = "A" if tail[0] != "A" else "B"
    return [
        f"{head[:-1]}{'A' if head[-1] != 'A' else 'B'}.{tail}",
        f"{head}.{flipped}{tail[1:]}",
        f"{tail}.{head}",
        head,
        f"{head}.",
        f"{'x' * 43}.{'y' * 22}",
    ]


def test_an_id_the_app_did_not_issue_is_not_accepted(form_app: Flask, make_app: Callable[..., Flask]) -> None:
    client = form_app.test_client()
    with client.get("/form") as page:
        token = csrf_token(page.get_data(as_text=True))
    issued = _session_id(form_app, client)
    other = make_app(SECRET_KEY="another service's secret key, at least 32 characters")
    other.add_url_rule("/form", "form", form_app.view_functions["form"], methods=["GET", "POST"])
    stranger = other.test_client()
    stranger.get("/form").close()
    foreign = _session_id(other, stranger)  # signed, but with another key
    name = form_app.config["SESSION_COOKIE_NAME"]
    for forged in [*_forgeries(issued), foreign]:
        thief = form_app.test_client()
        thief.set_cookie(name, forged)
        assert thief.get("/read").get_data(as_text=True) == "|expired=True", forged
        with _answer(thief, token) as refused:
            assert refused.status_code in (303, 400), forged
        with thief.get("/form") as page:
            assert _session_id(form_app, thief) not in (forged, issued), forged
    assert _stored_keys(form_app) == []
