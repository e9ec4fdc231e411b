"""govuk-layout's request hooks run as one before_request and one after_request function, as Flask would run them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, g
from werkzeug.wrappers import Response

from govuk_layout import GovukLayout
from govuk_layout.hooks import AfterRequest, BeforeRequest, unpacked
from govuk_layout.testing import TEST_CONFIG, assert_security_headers


def test_flask_asks_about_one_before_and_one_after_request_function_per_request(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flask's ensure_sync runs for every hook on every request: govuk-layout's dozen cost it two."""
    app = make_app()
    asked: list[Callable[..., Any]] = []
    ensure_sync = app.ensure_sync
    monkeypatch.setattr(app, "ensure_sync", lambda function: asked.append(function) or ensure_sync(function))
    with app.test_client().get("/") as response:
        assert response.status_code == 200
        assert_security_headers(response, https=False)
    assert [type(function) for function in asked if getattr(function, "__name__", "") != "home"] == [
        BeforeRequest,
        AfterRequest,
    ]


def test_an_apps_hooks_keep_their_places_around_govuk_layouts() -> None:
    """Registered before ``init_app``: before govuk-layout's before_request hooks, after its after_request ones."""
    seen: list[tuple[str, bool]] = []
    app = Flask("ordered")
    app.config.update(TEST_CONFIG, GOVUK_SERVICE_NAME="Fish", GOVUK_CONTACT_EMAIL="a@justice.gov.uk")

    def before(name: str) -> Callable[[], None]:
        return lambda: seen.append((name, "request_id" in g))  # govuk-layout's first hook sets it

    def after(name: str) -> Callable[[Response], Response]:
        def hook(response: Response) -> Response:
            seen.append((name, "Content-Security-Policy" in response.headers))  # govuk-layout's after_request sets it
            return response

        return hook

    app.before_request(before("before, registered first"))
    app.after_request(after("after, registered first"))
    GovukLayout(app)
    app.before_request(before("before, registered last"))
    app.after_request(after("after, registered last"))
    app.get("/")(lambda: "home")
    app.test_client().get("/").close()
    assert seen == [
        ("before, registered first", False),
        ("before, registered last", True),
        ("after, registered last", False),
        ("after, registered first", True),
    ]


def test_a_hook_that_answers_stops_the_later_ones_and_every_after_request_hook_still_runs(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(GOVUK_FORCE_HTTPS=True)  # its hook answers plain http with a redirect
    later: list[str] = []
    app.before_request(lambda: later.append("ran"))
    with app.test_client().get("/", base_url="http://service.example") as response:
        assert response.status_code == 302
        assert_security_headers(response, https=False)
        assert response.headers["X-Request-Id"]
    assert later == []


def test_before_request_runs_in_order_and_stops_at_the_first_answer() -> None:
    ran: list[str] = []

    def hook(name: str, answer: str | None = None) -> Callable[[], str | None]:
        return lambda: ran.append(name) or answer

    assert BeforeRequest([hook("a"), hook("b", "b's page"), hook("c", "c's page")])() == "b's page"
    assert ran == ["a", "b"]
    ran.clear()
    assert BeforeRequest([hook("a"), hook("b")])() is None
    assert ran == ["a", "b"]


def test_after_request_runs_in_reverse_each_given_the_last_ones_response() -> None:
    first, second = Response("first"), Response("second")
    combined = AfterRequest([lambda response: response if response is second else None, lambda response: second])
    assert combined(first) is second


def test_unpacked_lists_each_hook_in_place_of_its_composite() -> None:
    def a() -> None: ...
    def b() -> None: ...
    def c() -> None: ...

    assert unpacked([a, BeforeRequest([b, c]), a]) == [a, b, c, a]
