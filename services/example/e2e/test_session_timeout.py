"""The GOV.UK timeout warning and the "Your answers have been deleted" page, on an instance with a short idle timeout.

The browser's timers run on Playwright's clock, paused, so the dialog opens and the page expires when a
test says, however slow the machine; the server's idle timeout is real time, so the tests that show what
the server kept wait for it (IDLE seconds, a few).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from axe_check import run_timers_as_microtasks
from journey import SERVICE, TITLE_SUFFIX, Audit, answer
from playwright.sync_api import Locator, Page, expect

from govuk_layout.testing.processes import ServerProcess

# The instance's GOVUK_SESSION_IDLE_TIMEOUT and GOVUK_TIMEOUT_WARNING_SECONDS: the dialog opens 2 s after a page loads.
IDLE, WARNING = 6, 4
EXPIRED_HEADING = "Your answers have been deleted"
WARNING_HEADING = "Your answers will be deleted soon"
BRANDS = ["organisation", "govuk"]


@pytest.fixture(scope="module")
def short_timeout(serve: Callable[..., ServerProcess]) -> Callable[[str], ServerProcess]:
    """Instances of their own (one per brand, started when first asked for) whose sessions end after IDLE seconds."""
    started: dict[str, ServerProcess] = {}

    def server(brand: str) -> ServerProcess:
        if brand not in started:
            started[brand] = serve(
                f"short-timeout-{brand}",
                create_table=False,
                GOVUK_BRAND=brand,
                GOVUK_SESSION_IDLE_TIMEOUT=str(IDLE),
                GOVUK_TIMEOUT_WARNING_SECONDS=str(WARNING),
                RATELIMIT_DEFAULT="100000 per minute",
            )
        return started[brand]

    return server


def _on_the_second_question(page: Page) -> float:
    """Answer the first question, so the session holds an answer; returns when the server last saw this browser."""
    page.goto("/request/full-name")
    answer(page, "full-name")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What is your work email address?")
    page.wait_for_load_state("networkidle")
    return time.monotonic()


def _paused_clock(page: Page) -> None:
    """Playwright's clock, paused before any page loads: the page's timers fire only when a test runs it on."""
    now = time.time()  # seconds since the epoch, as the clock takes them
    page.clock.install(time=now)
    page.clock.pause_at(now + 1)


def _open_warning(page: Page) -> Locator:
    dialog = page.get_by_role("dialog", name=WARNING_HEADING)
    expect(dialog).to_be_hidden()
    page.clock.run_for((IDLE - WARNING) * 1_000)
    expect(dialog).to_be_visible()
    return dialog


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def _expect_expiry_page(page: Page, url: str, brand: str) -> None:
    expect(page).to_have_url(f"{url}/session/expired")
    expect(page.get_by_role("heading", level=1)).to_have_text(EXPIRED_HEADING)
    expect(page).to_have_title(f"{EXPIRED_HEADING} – {SERVICE} – {TITLE_SUFFIX[brand]}")
    expect(page.get_by_role("main")).to_contain_text(f"you did not do anything for {IDLE} seconds")
    expect(page.get_by_role("link", name="Start again")).to_have_attribute("href", "/")


def _expect_no_answer_kept(page: Page) -> None:
    page.get_by_role("link", name="Start again").click()
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    page.goto("/request/full-name")
    expect(page.get_by_label("What is your full name?")).to_have_value("")


@pytest.mark.parametrize("brand", BRANDS)
def test_the_warning_is_an_announced_modal_dialog_with_focus_on_continue(
    new_page: Callable[..., Page], short_timeout: Callable[[str], ServerProcess], audit: Audit, brand: str
) -> None:
    page = new_page(base_url=short_timeout(brand).url)
    _paused_clock(page)
    _on_the_second_question(page)
    dialog = _open_warning(page)
    # showModal(): a modal dialog, named by its heading and described by its message, the page behind it inert.
    expect(dialog).to_have_accessible_description(
        f"For your security, we will delete your answers in {WARNING} seconds if you do not continue."
    )
    assert dialog.evaluate("dialog => dialog.matches(':modal')")
    expect(dialog.get_by_role("button", name="Continue")).to_be_focused()
    expect(dialog.get_by_role("link", name="Delete your answers")).to_have_attribute("href", "/session/expired")
    run_timers_as_microtasks(page)  # axe's own timers, on the paused clock
    audit(page, f"timeout warning open ({brand} brand)")


def test_escape_dismisses_the_warning_and_keeps_the_session(
    new_page: Callable[..., Page], short_timeout: Callable[[str], ServerProcess]
) -> None:
    page = new_page(base_url=short_timeout("organisation").url)
    _paused_clock(page)
    _on_the_second_question(page)
    dialog = _open_warning(page)
    with page.expect_response("**/session/extend") as extended:
        page.keyboard.press("Escape")
    assert extended.value.status == 204
    expect(dialog).to_be_hidden()
    # The warning comes back the next time the session nears its end, not before.
    page.clock.run_for((IDLE - WARNING) * 1_000 - 500)
    expect(dialog).to_be_hidden()
    page.clock.run_for(1_000)
    expect(dialog).to_be_visible()


def test_continue_keeps_the_answers_past_the_idle_timeout(
    new_page: Callable[..., Page], short_timeout: Callable[[str], ServerProcess]
) -> None:
    page = new_page(base_url=short_timeout("organisation").url)
    _paused_clock(page)
    last_seen = _on_the_second_question(page)
    dialog = _open_warning(page)
    # Continue a little before the data would be deleted (the store counts whole seconds, so IDLE - 1 at the soonest).
    _sleep_until(last_seen + IDLE - 2.5)
    with page.expect_response("**/session/extend") as extended:
        dialog.get_by_role("button", name="Continue").click()
    assert extended.value.status == 204
    expect(dialog).to_be_hidden()
    # Past the moment the data would have gone without Continue, the answer is still on the server.
    _sleep_until(last_seen + IDLE + 0.5)
    page.goto("/request/full-name")
    expect(page).to_have_url(f"{short_timeout('organisation').url}/request/full-name")
    expect(page.get_by_label("What is your full name?")).to_have_value("Ada Lovelace")


@pytest.mark.parametrize("brand", BRANDS)
def test_when_the_time_is_up_the_page_goes_to_the_expiry_page(
    new_page: Callable[..., Page], short_timeout: Callable[[str], ServerProcess], audit: Audit, brand: str
) -> None:
    server = short_timeout(brand)
    page = new_page(base_url=server.url)
    _paused_clock(page)
    _on_the_second_question(page)
    _open_warning(page)
    page.clock.run_for(WARNING * 1_000)
    _expect_expiry_page(page, server.url, brand)
    run_timers_as_microtasks(page)
    audit(page, f"session expired page ({brand} brand)")
    _expect_no_answer_kept(page)


def test_without_javascript_a_form_sent_after_the_timeout_goes_to_the_expiry_page(
    page_no_js: Page, short_timeout: Callable[[str], ServerProcess], audit: Audit
) -> None:
    server = short_timeout("organisation")
    page = page_no_js
    page.goto(f"{server.url}/request/full-name")
    answer(page, "full-name")
    page.get_by_role("button", name="Continue").click()
    last_seen = time.monotonic()
    answer(page, "email")
    _sleep_until(last_seen + IDLE + 0.5)
    page.get_by_role("button", name="Continue").click()
    _expect_expiry_page(page, server.url, "organisation")
    audit(page, "session expired page (javascript off)")
    # The journey's pages send a browser with an expired id there too, and after it the answers are gone.
    _expect_no_answer_kept(page)
