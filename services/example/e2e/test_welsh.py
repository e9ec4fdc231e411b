"""The whole journey in Welsh, chosen with the language switcher, with JavaScript on and off: audited at every
page and error state, and no English message left on any Welsh page."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from journey import Audit, answer, reference_on
from playwright.sync_api import Page, expect

import example
import govuk_layout
from govuk_layout import catalogues

CATALOGUE_ROOTS = [Path(govuk_layout.__file__).parent, Path(example.__file__).parent]
# slug, question (the page heading), its error when sent empty
WELSH_QUESTIONS = [
    ("full-name", "Beth yw eich enw llawn?", "Rhowch eich enw llawn"),
    ("email", "Beth yw eich cyfeiriad e-bost gwaith?", "Rhowch eich cyfeiriad e-bost gwaith"),
    (
        "organisation",
        "I ba sefydliad y mae angen mynediad arnoch?",
        "Dewiswch y sefydliad y mae angen mynediad iddo arnoch",
    ),
    ("reason", "Pam mae angen mynediad arnoch?", "Rhowch y rheswm pam mae angen mynediad arnoch"),
    ("start-date", "O ba ddyddiad y mae angen mynediad arnoch?", "Rhowch y dyddiad y mae angen mynediad arnoch ohono"),
]


def no_english(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    assert catalogues.english_left(catalogues.page_text(page.content()), CATALOGUE_ROOTS) == []


WELSH_ANSWERS = {
    "full-name": ("Beth yw eich enw llawn?", "Ada Lovelace"),
    "email": ("Beth yw eich cyfeiriad e-bost gwaith?", "ada.lovelace@digital.justice.gov.uk"),
    "organisation": ("Sefydliad GitHub moj-analytical-services", ""),
    "reason": ("Pam mae angen mynediad arnoch?", "Rwy’n cynnal piblinellau data’r platfform."),
    "start-date": (("Diwrnod", "Mis", "Blwyddyn"), ""),
}


@pytest.mark.parametrize("mode", ["javascript on", "javascript off"])
def test_whole_journey_in_welsh(new_page: Callable[..., Page], audit: Audit, mode: str) -> None:
    page = new_page(java_script_enabled=mode == "javascript on")

    def checked(page: Page, name: str) -> None:
        """Every page of the journey: all Welsh, and clean under axe and the HTML checker."""
        no_english(page)
        audit(page, f"{name} in Welsh ({mode})")

    page.goto("/")
    switcher = page.get_by_role("navigation", name="Language switcher")
    link = switcher.get_by_role("link", name="Cymraeg")
    expect(link).to_have_attribute("hreflang", "cy")
    expect(link).to_have_attribute("lang", "cy")
    link.click()
    checked(page, "start page")
    page.get_by_role("button", name="Dechrau nawr").click()

    for slug, question, empty_error in WELSH_QUESTIONS:
        expect(page.get_by_role("heading", level=1)).to_have_text(question)
        no_english(page)
        page.get_by_role("button", name="Parhau").click()
        expect(page).to_have_title(re.compile(rf"^Gwall: {re.escape(question)} – "))
        summary = page.get_by_role("alert").filter(has_text="Mae problem")
        expect(summary.get_by_role("link", name=empty_error)).to_be_visible()
        checked(page, f"{slug} with errors")
        answer(page, slug, WELSH_ANSWERS)
        if slug == "reason" and mode == "javascript on":  # govuk-frontend's own count, in Welsh
            expect(page.locator(".govuk-character-count__status")).to_have_text("Mae gennych 458 nod ar ôl")
        page.get_by_role("button", name="Parhau").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Gwiriwch eich atebion cyn anfon eich cais")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Sefydliad GitHub moj-analytical-services")
    checked(page, "check your answers")
    page.get_by_role("button", name="Derbyn ac anfon").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Cais wedi’i anfon")
    reference = reference_on(page)
    checked(page, "confirmation")

    page.get_by_role("link", name="wirio statws eich cais").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statws eich cais")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Wedi dod i law")
    checked(page, "status found")

    page.get_by_role("link", name="Gwirio cais arall").click()
    page.get_by_role("button", name="Gwirio statws").click()
    expect(page.get_by_role("alert").filter(has_text="Mae problem")).to_contain_text("Rhowch eich cyfeirnod")
    checked(page, "status lookup with errors")

    # The choice holds for the session; English is one click away, on the same page.
    page.get_by_role("navigation", name="Dewis iaith").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"/status/{reference}")
    expect(page.locator(".govuk-summary-list")).to_contain_text("moj-analytical-services GitHub organisation")


@pytest.mark.parametrize("path", ["/cookies", "/accessibility", "/privacy", "/no-such-page"])
def test_standard_and_error_pages_in_welsh(page: Page, audit: Audit, path: str) -> None:
    page.goto(f"{path}?lang=cy")
    no_english(page)
    audit(page, f"{path} in Welsh")


@pytest.mark.screenshots
def test_welsh_screenshot(new_page: Callable[..., Page], tmp_path: Path) -> None:
    """The start page in Welsh, for the README beside the English one."""
    from test_screenshots import VIEWPORT, _shot

    out = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    page = new_page(viewport=VIEWPORT)
    page.goto("/?lang=cy")
    page.get_by_role("button", name="Cuddio’r neges am gwcis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gofyn am fynediad i wasanaeth Peirianneg Gweithrediadau")
    _shot(page, out / "start-page-welsh.png")
