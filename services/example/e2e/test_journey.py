"""The whole request-access journey, with JavaScript on and off, audited at every page and state."""

from __future__ import annotations

import pytest
from journey import (
    ORGANISATION,
    QUESTIONS,
    SERVICE,
    START_DATE,
    Audit,
    answer,
    error_summary,
    expect_question,
    reference_on,
)
from playwright.sync_api import Page, expect

from govuk_layout.testing.processes import ServerProcess


@pytest.fixture(params=["javascript on", "javascript off", "GOV.UK brand"])
def browsing(request: pytest.FixtureRequest) -> tuple[Page, str, str, str]:
    """A page, its mode, its brand and its service's URL: the example's own brand with JavaScript on and
    off, and once more on an instance configured for GOV.UK (GOVUK_BRAND=govuk)."""
    if request.param == "GOV.UK brand":
        server: ServerProcess = request.getfixturevalue("govuk_server")
        return request.getfixturevalue("new_page")(base_url=server.url), "javascript on", "govuk", server.url
    fixture = "page" if request.param == "javascript on" else "page_no_js"
    url = request.getfixturevalue("live_server").url
    return request.getfixturevalue(fixture), request.param, "organisation", url


def test_whole_journey(browsing: tuple[Page, str, str, str], audit: Audit) -> None:
    page, mode, brand, url = browsing
    mode = f"{mode}, {brand} brand"
    page.goto("/")
    page.get_by_role("button", name="Start now").click()

    for slug, heading, empty_error, _ in QUESTIONS:
        expect_question(page, heading, brand=brand)
        expect(page).to_have_url(f"{url}/request/{slug}")
        page.get_by_role("button", name="Continue").click()
        expect_question(page, heading, errors=True, brand=brand)
        summary = error_summary(page)
        expect(summary.get_by_role("link", name=empty_error)).to_be_visible()
        if mode.startswith("javascript on"):
            # govuk-frontend moves focus to the summary on load, so screen readers announce it.
            expect(page.locator(".govuk-error-summary")).to_be_focused()
        audit(page, f"{slug} with errors ({mode})")
        answer(page, slug)
        page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your request")
    for _, _, _, shown in QUESTIONS:
        expect(page.locator(".govuk-summary-list")).to_contain_text(shown)
    audit(page, f"check your answers ({mode})")
    page.get_by_role("button", name="Accept and send").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Request sent")
    reference = reference_on(page)
    audit(page, f"confirmation ({mode})")

    page.get_by_role("link", name="check the status of your request").click()
    expect(page).to_have_url(f"{url}/status/{reference}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Status of your request")
    expect(page.locator(".govuk-summary-list")).to_contain_text("moj-analytical-services GitHub organisation")
    audit(page, f"status found ({mode})")


def test_nothing_typed_is_lost_on_a_validation_error(page_no_js: Page, audit: Audit) -> None:
    page = page_no_js
    page.goto("/request/full-name")
    answer(page, "full-name")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("What is your work email address?").fill("ada@example.com")
    page.get_by_role("button", name="Continue").click()
    expect(error_summary(page)).to_contain_text("Enter a government email address")
    expect(page.get_by_label("What is your work email address?")).to_have_value("ada@example.com")
    audit(page, "email not at a government domain")


def test_back_links_and_change_links(page: Page, live_server: ServerProcess) -> None:
    page.goto("/request/full-name")
    for slug, _, _, _ in QUESTIONS:
        answer(page, slug)
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/request/check-answers")

    # Back from check your answers goes to the last question, with its answer kept.
    page.get_by_role("link", name="Back", exact=True).click()
    expect_question(page, "When do you need access from?")
    expect(page.get_by_label("Year")).to_have_value(str(START_DATE.year))
    page.get_by_role("link", name="Back", exact=True).click()
    expect_question(page, "Why do you need access?")
    expect(page.get_by_label("Why do you need access?")).to_have_value("I maintain the data pipelines.")
    page.get_by_role("button", name="Continue").click()
    expect_question(page, "When do you need access from?")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/request/check-answers")

    # A change link opens that one question; continuing returns to check your answers.
    page.get_by_role("link", name="Change full name").click()
    expect_question(page, "What is your full name?")
    expect(page.get_by_role("link", name="Back", exact=True)).to_have_attribute("href", "/request/check-answers")
    page.get_by_label("What is your full name?").fill("Grace Hopper")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/request/check-answers")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Grace Hopper")

    page.get_by_role("link", name="Change organisation").click()
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/request/check-answers")
    expect(page.locator(".govuk-summary-list")).to_contain_text("moj-analytical-services GitHub organisation")


@pytest.mark.parametrize(
    ("slug", "typed", "field_id", "marked"),
    [
        ("full-name", {}, "full_name", 1),
        ("organisation", {}, "organisation", 0),  # radios are marked by their group, not an input
        ("start-date", {"Day": "4", "Year": "2031"}, "start_date-month", 1),  # only the missing month
    ],
)
def test_error_summary_links_move_focus_to_the_field(
    page: Page, audit: Audit, slug: str, typed: dict[str, str], field_id: str, marked: int
) -> None:
    page.goto("/request/full-name")
    for earlier, _, _, _ in QUESTIONS:
        if earlier == slug:
            break
        answer(page, earlier)
        page.get_by_role("button", name="Continue").click()
    for label, value in typed.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-input--error")).to_have_count(marked)
    link = error_summary(page).get_by_role("link")
    expect(link).to_have_attribute("href", f"#{field_id}")
    link.click()
    expect(page.locator(f"#{field_id}")).to_be_focused()


def test_status_lookup(page: Page, audit: Audit, live_server: ServerProcess) -> None:
    page.goto("/")
    page.get_by_role("link", name="Check a request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the status of a request")
    expect(page).to_have_title(f"Check the status of a request – {SERVICE} – {ORGANISATION}")
    audit(page, "status lookup")

    page.get_by_role("button", name="Check status").click()
    expect(error_summary(page)).to_contain_text("Enter your reference")
    audit(page, "status lookup with no reference")

    page.get_by_label("What is your reference?").fill("not a reference")
    page.get_by_role("button", name="Check status").click()
    expect(error_summary(page)).to_contain_text("Enter your reference in the correct format")
    expect(page.get_by_label("What is your reference?")).to_have_value("not a reference")

    page.get_by_label("What is your reference?").fill("RA-2222-3333")
    page.get_by_role("button", name="Check status").click()
    expect(error_summary(page)).to_contain_text("No request found with reference RA-2222-3333")
    audit(page, "status not found")

    response = page.goto("/status/RA-2222-3333")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
