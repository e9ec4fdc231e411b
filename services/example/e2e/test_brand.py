"""The brand follows where the service lives: the organisation's for the example, GOV.UK's on GOV.UK."""

from __future__ import annotations

import re
from collections.abc import Callable

from journey import SERVICE, TITLE_SUFFIX, Audit
from playwright.sync_api import Page, expect

from govuk_layout.testing.processes import ServerProcess

# What only GOV.UK may show or load: its fonts (GDS Transport), the crest, and the crown icons.
GOVUK_ONLY = re.compile(r"\.woff2?$|govuk-crest|favicon|govuk-icon|govuk-logotype")
BODY_FONT = "getComputedStyle(document.querySelector('.govuk-body')).fontFamily"


def _open(new_page: Callable[..., Page], server: ServerProcess) -> tuple[Page, list[str]]:
    page = new_page(base_url=server.url)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/")
    page.wait_for_load_state("networkidle")
    return page, requested


def test_the_example_has_the_organisation_brand(
    new_page: Callable[..., Page], live_server: ServerProcess, audit: Audit
) -> None:
    page, requested = _open(new_page, live_server)
    expect(page).to_have_title(f"{SERVICE} – {TITLE_SUFFIX['organisation']}")
    assert requested and not [url for url in requested if GOVUK_ONLY.search(url)]
    banner = page.get_by_role("banner")
    expect(banner.locator(".moj-header")).to_contain_text("Ministry of Justice")
    expect(banner).not_to_contain_text("GOV.UK")
    expect(page.locator(".govuk-header, .govuk-logo, .govuk-footer__crown")).to_have_count(0)
    crest = banner.locator("img.moj-header__logotype-crest")
    assert crest.evaluate("image => image.complete && image.naturalWidth > 0"), "the MOJ crest did not load"
    body_font = page.evaluate(BODY_FONT)
    assert body_font.lower().startswith("arial") and "GDS Transport" not in body_font, body_font
    assert not page.evaluate("[...document.fonts].some(font => font.family.includes('GDS Transport'))")
    expect(page.get_by_role("contentinfo")).to_contain_text("Open Government Licence v3.0")
    audit(page, "start page (organisation brand)")


def test_a_service_on_govuk_has_the_govuk_brand(
    new_page: Callable[..., Page], govuk_server: ServerProcess, audit: Audit
) -> None:
    page, requested = _open(new_page, govuk_server)
    expect(page).to_have_title(f"{SERVICE} – {TITLE_SUFFIX['govuk']}")
    assert [url for url in requested if url.endswith(".woff2")], "GDS Transport was not loaded"
    expect(page.get_by_role("banner").locator(".govuk-header")).to_have_count(1)
    expect(page.locator(".moj-header")).to_have_count(0)
    assert page.evaluate(BODY_FONT).startswith('"GDS Transport"')
    audit(page, "start page (GOV.UK brand)")


CREST_MASK = (
    "() => { const crest = getComputedStyle(document.querySelector('.govuk-footer__copyright-logo'), '::before');"
    " return crest.maskImage || crest.webkitMaskImage }"
)
FOOTER_HEIGHT = "document.querySelector('.govuk-footer').getBoundingClientRect().height"


def test_the_govuk_footer_crest_loads_when_the_footer_comes_near(
    new_page: Callable[..., Page], govuk_server: ServerProcess
) -> None:
    """A first visit that does not reach the footer does not download the crest; scrolling there does, in place."""
    page = new_page(base_url=govuk_server.url, viewport={"width": 1000, "height": 600})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert not [url for url in requested if "crest" in url], requested
    assert page.evaluate(CREST_MASK) == "none"
    height = page.evaluate(FOOTER_HEIGHT)
    with page.expect_response(lambda response: "govuk-crest" in response.url and response.ok):
        page.locator(".govuk-footer__copyright-logo").scroll_into_view_if_needed()
    assert "govuk-crest" in page.evaluate(CREST_MASK)
    assert page.evaluate(FOOTER_HEIGHT) == height


def test_without_javascript_the_govuk_footer_crest_loads_at_once(
    new_page: Callable[..., Page], govuk_server: ServerProcess
) -> None:
    page = new_page(base_url=govuk_server.url, viewport={"width": 1000, "height": 600}, java_script_enabled=False)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert "govuk-crest" in page.evaluate(CREST_MASK)
