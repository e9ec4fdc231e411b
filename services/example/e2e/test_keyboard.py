"""The whole journey with the keyboard only: every control is reachable with Tab and shows its focus."""

from __future__ import annotations

from journey import START_DATE
from playwright.sync_api import Locator, Page, expect

GOVUK_FOCUS_YELLOW = "rgb(255, 221, 0)"


def tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until ``target`` has focus; fail if it never gets it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} was not reached with {limit} presses of Tab")


def expect_visible_focus(target: Locator) -> None:
    styles = target.evaluate(
        "element => { const style = getComputedStyle(element);"
        " return [style.outlineColor, style.backgroundColor, style.borderColor].join(' ') }"
    )
    assert GOVUK_FOCUS_YELLOW in styles, styles


def test_journey_with_the_keyboard_only(page: Page) -> None:
    page.goto("/")
    # The cookie banner comes first, before the skip link, as the Design System places it.
    banner = page.get_by_role("region", name="Cookies on Request access to an Operations Engineering service")
    # The example has no analytics: the banner tells of essential cookies, and hiding it is remembered.
    tab_to(page, banner.get_by_role("button", name="Hide cookie message"))
    page.keyboard.press("Enter")
    expect(banner).to_have_count(0)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()

    start = page.get_by_role("button", name="Start now")
    tab_to(page, start)
    expect_visible_focus(start)
    page.keyboard.press("Enter")

    def text_answer(label: str, text: str) -> None:
        field = page.get_by_label(label)
        tab_to(page, field)
        expect_visible_focus(field)
        page.keyboard.type(text)
        tab_to(page, page.get_by_role("button", name="Continue"))
        page.keyboard.press("Enter")

    text_answer("What is your full name?", "Ada Lovelace")
    text_answer("What is your work email address?", "ada.lovelace@digital.justice.gov.uk")

    first = page.get_by_role("radio").first
    tab_to(page, first)
    page.keyboard.press("ArrowDown")  # arrow keys move through, and select, the options
    expect(page.get_by_role("radio", name="moj-analytical-services GitHub organisation")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")

    text_answer("Why do you need access?", "I maintain the data pipelines.")

    tab_to(page, page.get_by_label("Day"))
    page.keyboard.type(str(START_DATE.day))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Month")).to_be_focused()
    page.keyboard.type(str(START_DATE.month))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Year")).to_be_focused()
    page.keyboard.type(str(START_DATE.year))
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your request")
    send = page.get_by_role("button", name="Accept and send")
    tab_to(page, send, limit=60)
    expect_visible_focus(send)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request sent")
