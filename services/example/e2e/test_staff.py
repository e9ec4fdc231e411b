"""Staff sign-in through a real OpenID Connect provider in Chromium, and deciding a request end to end."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from journey import QUESTIONS, Audit, answer, reference_on
from playwright.sync_api import Page, Route, expect
from test_keyboard import tab_to

from govuk_layout.testing.processes import NON_STAFF, STAFF, ServerProcess


def send_request(page: Page) -> str:
    """A citizen sends a request; returns its reference."""
    page.goto("/request/full-name")
    for slug, *_ in QUESTIONS:
        answer(page, slug)
        page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Accept and send").click()
    return reference_on(page)


def sign_in(page: Page, person: dict[str, object], path: str = "/staff") -> None:
    """Open ``path``, pick ``person`` on the provider's sign-in page, and come back."""
    page.goto(path)
    page.get_by_role("button", name=str(person["sub"])).click()


def test_staff_sign_in_and_reject_a_request(new_page: Callable[..., Page], audit: Audit) -> None:
    reference = send_request(new_page())
    page = new_page()
    sign_in(page, STAFF)
    expect(page).to_have_url(re.compile(r"/staff$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Access requests")
    expect(page.get_by_role("navigation", name="Menu")).to_contain_text("Sam Staff")
    audit(page, "staff: list")

    page.get_by_label("Status").select_option("received")
    page.get_by_role("button", name="Show requests").click()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Request {reference}")
    audit(page, "staff: one request")

    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select if you approve or reject this request")
    audit(page, "staff: decision with an error")

    page.get_by_role("radio", name="Reject").check()
    page.get_by_label("Why are you rejecting this request?").fill("Ask your line manager to request it")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"You rejected request {reference}")
    expect(page.locator("main")).to_contain_text("Rejected by Sam Staff")
    audit(page, "staff: decided")

    citizen = new_page()
    citizen.goto(f"/status/{reference}")
    expect(citizen.locator(".govuk-summary-list")).to_contain_text("Rejected")
    expect(citizen.locator(".govuk-summary-list")).to_contain_text("Ask your line manager to request it")
    expect(citizen.locator("main")).not_to_contain_text("Sam Staff")


def test_approve_with_the_keyboard_and_javascript_off(new_page: Callable[..., Page], audit: Audit) -> None:
    reference = send_request(new_page())
    page = new_page(java_script_enabled=False)
    sign_in(page, STAFF, f"/staff/requests/{reference}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Request {reference}")
    audit(page, "staff: one request, JavaScript off")
    approve = page.get_by_role("radio", name="Approve")
    tab_to(page, approve, limit=60)
    page.keyboard.press("Space")
    expect(approve).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Save decision"))
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"You approved request {reference}")


def test_a_second_member_of_staff_is_told_who_decided(new_page: Callable[..., Page], audit: Audit) -> None:
    reference = send_request(new_page())
    first, second = new_page(), new_page()
    for page in (first, second):
        sign_in(page, STAFF, f"/staff/requests/{reference}")
        page.get_by_role("radio", name="Approve").check()
    first.get_by_role("button", name="Save decision").click()
    second.get_by_role("button", name="Save decision").click()
    expect(second.locator("main")).to_contain_text("This request was already approved by Sam Staff on")
    audit(second, "staff: already decided")


def test_non_staff_get_the_403_page(new_page: Callable[..., Page], audit: Audit) -> None:
    page = new_page()
    sign_in(page, NON_STAFF)
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to view this page")
    expect(page.get_by_role("navigation", name="Menu")).to_contain_text("Sign out")
    audit(page, "staff: 403 for someone outside the staff group")


def test_sign_out_ends_both_sessions(new_page: Callable[..., Page], audit: Audit) -> None:
    page = new_page()
    sign_in(page, STAFF)
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="End session").click()  # the provider's own confirmation
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    audit(page, "signed out")
    page.goto("/staff")
    expect(page.get_by_role("button", name=str(STAFF["sub"]))).to_be_visible()  # asked to sign in again


def test_a_tampered_callback_is_refused(
    new_page: Callable[..., Page], audit: Audit, identity_provider: ServerProcess
) -> None:
    page = new_page()

    def tamper(route: Route) -> None:
        """Let the provider answer, then change the state in the callback it sends the browser to."""
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)
        parts = urlsplit(answer.headers["location"])
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        query["state"] = "forged"
        route.fulfill(status=302, headers={"Location": urlunsplit(parts._replace(query=urlencode(query)))})

    page.route("**/oauth2/authorize?**", tamper)
    sign_in(page, STAFF)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, there is a problem with your request")
    audit(page, "sign-in: tampered callback")
    page.unroute("**/oauth2/authorize?**")
    page.goto("/staff")
    expect(page).to_have_url(re.compile("^" + re.escape(identity_provider.url)))
