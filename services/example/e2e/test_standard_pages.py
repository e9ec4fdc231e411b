"""The pages every GOV.UK service has: start, cookies, accessibility, privacy and the 404 page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from journey import ORGANISATION, SERVICE
from playwright.sync_api import Page, expect

from govuk_layout.testing.processes import ServerProcess

Audit = Callable[[Page, str], None]


@pytest.mark.parametrize(
    ("path", "heading", "title"),
    [
        ("/", SERVICE, f"{SERVICE} – {ORGANISATION}"),
        ("/cookies", "Cookies", f"Cookies – {SERVICE} – {ORGANISATION}"),
        (
            "/accessibility",
            f"Accessibility statement for {SERVICE}",
            f"Accessibility statement – {SERVICE} – {ORGANISATION}",
        ),
        ("/privacy", "Privacy notice", f"Privacy notice – {SERVICE} – {ORGANISATION}"),
    ],
)
def test_standard_page_is_accessible_and_valid(page: Page, audit: Audit, path: str, heading: str, title: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_title(title)
    audit(page, f"{path} (JavaScript on)")


def test_start_page_without_javascript(page_no_js: Page, audit: Audit) -> None:
    page_no_js.goto("/")
    expect(page_no_js.locator("body")).not_to_have_class("js-enabled")
    expect(page_no_js.get_by_role("region", name=f"Cookies on {SERVICE}")).to_be_visible()
    audit(page_no_js, "/ (JavaScript off)")


def test_not_found_page(page: Page, audit: Audit, live_server: ServerProcess) -> None:
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title(f"Page not found – {SERVICE} – {ORGANISATION}")
    audit(page, "404 page")
    page.get_by_role("link", name=f"go to the start of {SERVICE}").click()
    expect(page).to_have_url(f"{live_server.url}/")
