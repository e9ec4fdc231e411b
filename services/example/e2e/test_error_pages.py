"""The GOV.UK error pages a user can really meet: too many requests, and the service unavailable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from journey import ORGANISATION, SERVICE, Audit
from playwright.sync_api import Page, expect

from govuk_layout.testing.processes import ServerProcess, free_port


@pytest.fixture(scope="module")
def rate_limited(serve: Callable[..., ServerProcess]) -> ServerProcess:
    """An instance of its own with a tiny rate limit, so the main one never meets it."""
    return serve("rate-limited", RATELIMIT_DEFAULT="3 per minute")


@pytest.fixture(scope="module")
def dynamodb_down(serve: Callable[..., ServerProcess]) -> ServerProcess:
    """An instance whose DynamoDB endpoint is a loopback port nothing listens on."""
    return serve(
        "dynamodb-down",
        create_table=False,
        DYNAMODB_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}",
        DYNAMODB_MAX_ATTEMPTS="1",
        DYNAMODB_CONNECT_TIMEOUT="1",
    )


def test_too_many_requests(new_page: Callable[..., Page], audit: Audit, rate_limited: ServerProcess) -> None:
    page = new_page(base_url=rate_limited.url)
    statuses = []
    for _ in range(10):  # enough to pass the limit even if its fixed window rolls over once
        response = page.goto("/")
        assert response is not None
        statuses.append(response.status)
        if response.status == 429:
            break
    assert statuses[-1] == 429, statuses
    assert int(response.headers["retry-after"]) > 0
    heading = "Sorry, there have been too many attempts to use this service"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_title(f"{heading} – {SERVICE} – {ORGANISATION}")
    audit(page, "429 too many requests")


def test_service_unavailable(new_page: Callable[..., Page], audit: Audit, dynamodb_down: ServerProcess) -> None:
    page = new_page(base_url=dynamodb_down.url)
    page.goto("/status")
    page.get_by_label("What is your reference?").fill("RA-2222-3333")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Check status").click()
    assert posted.value.status == 503
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, the service is unavailable")
    expect(page).to_have_title(f"Sorry, the service is unavailable – {SERVICE} – {ORGANISATION}")
    audit(page, "503 service unavailable")
