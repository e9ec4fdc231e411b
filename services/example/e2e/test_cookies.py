"""The cookie banner and the cookies page: the choice is made, remembered across pages and changed.

There is a choice only with analytics on, so these run on ``analytics_server`` (test_analytics.py has the
example's own banner, which tells of essential cookies only).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_google import Offline
from journey import ORGANISATION, SERVICE, Audit, error_summary
from playwright.sync_api import Page, expect

BANNER = f"Cookies on {SERVICE}"


def _consent(page: Page) -> str | None:
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    return cookies.get("cookies_policy")


@pytest.mark.parametrize(("choice", "verb", "value"), [("Accept", "accepted", "yes"), ("Reject", "rejected", "no")])
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_banner_choice_is_remembered_and_changed_on_the_cookies_page(
    analytics_page: Callable[..., Offline], audit: Audit, choice: str, verb: str, value: str, javascript: bool
) -> None:
    mode = "javascript on" if javascript else "javascript off"
    page = analytics_page(java_script_enabled=javascript).page
    page.goto("/privacy")
    banner = page.get_by_role("region", name=BANNER)
    expect(banner).to_contain_text("We’d also like to use analytics cookies")
    banner.get_by_role("button", name=f"{choice} analytics cookies").click()

    # Back on the same page, with the decision confirmed.
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(banner).to_contain_text(f"You’ve {verb} analytics cookies")
    assert _consent(page) == f"analytics={value}"
    audit(page, f"cookie banner {verb} ({mode})")
    banner.get_by_role("button", name="Hide cookie message").or_(
        banner.get_by_role("link", name="Hide cookie message")
    ).click()
    expect(page.get_by_role("region", name=BANNER)).to_have_count(0)

    # Remembered on every other page.
    for path in ("/", "/accessibility", "/status"):
        page.goto(path)
        expect(page.get_by_role("region", name=BANNER)).to_have_count(0)

    # The cookies page shows the choice and changes it.
    page.goto("/cookies")
    other, other_value = ("No", "no") if value == "yes" else ("Yes", "yes")
    expect(page.get_by_role("radio", name="Yes" if value == "yes" else "No")).to_be_checked()
    page.get_by_role("radio", name=other).check()
    page.get_by_role("button", name="Save cookie settings").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("You’ve set your cookie preferences.")
    expect(page.get_by_role("radio", name=other)).to_be_checked()
    assert _consent(page) == f"analytics={other_value}"
    audit(page, f"cookies page saved ({mode})")
    page.goto("/")
    expect(page.get_by_role("region", name=BANNER)).to_have_count(0)


def test_cookies_page_without_a_choice_shows_an_error(analytics_page: Callable[..., Offline], audit: Audit) -> None:
    page = analytics_page().page
    page.goto("/cookies")
    expect(page.get_by_role("region", name=BANNER)).to_have_count(0)  # the page asks the same question
    page.get_by_role("button", name="Save cookie settings").click()
    expect(page).to_have_title(f"Error: Cookies – {SERVICE} – {ORGANISATION}")
    link = error_summary(page).get_by_role("link", name="Select yes if you want to accept analytics cookies")
    audit(page, "cookies page with an error")
    link.click()
    expect(page.locator("#analytics")).to_be_focused()
    assert _consent(page) is None
