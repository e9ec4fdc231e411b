"""Google Analytics 4 only with consent, in Chromium, with Google's hosts faked (fake_google.py).

Nothing is requested before consent; after accepting, the tag loads under the CSP and sets ``_ga``;
rejecting or withdrawing removes the ``_ga*`` cookies. Any request bound off this machine fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from fake_google import MEASUREMENT_ID, Offline
from journey import RECORD_VIOLATIONS, SERVICE, Audit
from playwright.sync_api import Page, expect

BANNER = f"Cookies on {SERVICE}"
GA_COOKIES = {"_ga", f"_ga_{MEASUREMENT_ID.removeprefix('G-')}"}


def _watched(analytics_page: Callable[..., Offline], **options: object) -> Offline:
    offline = analytics_page(**options)
    offline.page.add_init_script(RECORD_VIOLATIONS)
    return offline


def test_analytics_loads_only_after_consent_and_goes_when_withdrawn(
    analytics_page: Callable[..., Offline], audit: Audit
) -> None:
    offline = _watched(analytics_page)
    page = offline.page
    page.goto("/privacy")
    banner = page.get_by_role("region", name=BANNER)
    expect(banner).to_contain_text("We’d also like to use analytics cookies")
    audit(page, "cookie banner asking about analytics cookies")
    page.goto("/")
    assert offline.tags == [] and offline.hits == []
    assert offline.ga_cookies() == {}
    assert page.evaluate("typeof window.gtag") == "undefined"

    page.get_by_role("region", name=BANNER).get_by_role("button", name="Accept analytics cookies").click()
    expect(page.get_by_role("region", name=BANNER)).to_contain_text("You’ve accepted analytics cookies")
    page.wait_for_function("() => window.fakeGtag !== undefined")
    assert offline.tags == [f"https://www.googletagmanager.com/gtag/js?id={MEASUREMENT_ID}"]
    assert page.evaluate("window.fakeGtag.id") == MEASUREMENT_ID
    assert ["config", MEASUREMENT_ID] in [entry[:2] for entry in page.evaluate("window.fakeGtag.dataLayer")]
    assert set(offline.ga_cookies()) == GA_COOKIES
    # The hit went through connect-src (fake_google answers it), so the CSP lets the tag report.
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('/g/collect'))")
    assert len(offline.hits) == 1
    assert page.evaluate("window.cspViolations") == []
    audit(page, "cookie banner accepted, analytics loaded")

    page.goto("/cookies")
    expect(page.get_by_role("radio", name="Yes")).to_be_checked()
    expect(page.get_by_role("cell", name=f"_ga_{MEASUREMENT_ID.removeprefix('G-')}")).to_be_visible()
    audit(page, "cookies page with analytics cookies, accepted")
    loaded = len(offline.tags)
    page.get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Save cookie settings").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("You’ve set your cookie preferences.")
    assert offline.ga_cookies() == {}
    page.goto("/")
    assert len(offline.tags) == loaded  # not loaded again
    assert offline.ga_cookies() == {}
    assert page.evaluate("window.cspViolations") == []


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_rejecting_in_the_banner_removes_ga_cookies(
    analytics_page: Callable[..., Offline], audit: Audit, javascript: bool
) -> None:
    """Cookies left from an earlier visit (or set before the choice by anything else) go when the user rejects."""
    offline = _watched(analytics_page, java_script_enabled=javascript)
    page = offline.page
    page.goto("/privacy")
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(page.url))  # host-only, as GA4 sets them on an IP address
    page.context.add_cookies([{"name": name, "value": "GA1.1.1.1", "url": origin} for name in GA_COOKIES])
    assert set(offline.ga_cookies()) == GA_COOKIES
    page.get_by_role("region", name=BANNER).get_by_role("button", name="Reject analytics cookies").click()
    expect(page.get_by_role("region", name=BANNER)).to_contain_text("You’ve rejected analytics cookies")
    assert offline.ga_cookies() == {}
    assert offline.tags == []
    if javascript:
        assert page.evaluate("window.cspViolations") == []
    mode = "javascript on" if javascript else "javascript off"
    audit(page, f"cookie banner rejected, analytics cookies removed ({mode})")


def test_without_an_id_only_essential_cookies_are_mentioned(page: Page, audit: Audit) -> None:
    page.goto("/privacy")
    banner = page.get_by_role("region", name=BANNER)
    expect(banner).to_contain_text("We use some essential cookies to make this service work.")
    expect(banner).not_to_contain_text("analytics", ignore_case=True)
    expect(banner.get_by_role("button")).to_have_text(["Hide cookie message"])
    audit(page, "cookie banner, essential cookies only")
    page.goto("/cookies")
    expect(page.get_by_role("main")).not_to_contain_text("analytics", ignore_case=True)
    expect(page.get_by_role("main").locator("form")).to_have_count(0)  # nothing to choose
    audit(page, "cookies page, essential cookies only")

    page.goto("/privacy")
    page.get_by_role("region", name=BANNER).get_by_role("button", name="Hide cookie message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_role("region", name=BANNER)).to_have_count(0)
    page.goto("/")
    expect(page.get_by_role("region", name=BANNER)).to_have_count(0)  # remembered
