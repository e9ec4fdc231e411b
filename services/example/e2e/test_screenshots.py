"""The README's screenshots. `nox -s screenshots` writes them to docs/; plain e2e runs write them to a temp folder."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from journey import QUESTIONS, answer
from playwright.sync_api import Page, expect

from govuk_layout.testing.processes import ServerProcess

VIEWPORT = {"width": 1000, "height": 760}


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _out(tmp_path: Path) -> Path:
    out = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _start(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Hide cookie message").click()


def _shot(page: Page, path: Path) -> None:
    page.evaluate("document.fonts.ready")
    page.locator(".govuk-footer").scroll_into_view_if_needed()  # GOV.UK's crest loads when the footer nears
    page.wait_for_load_state("networkidle")
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    width, height = _png_size(path)
    assert width == VIEWPORT["width"]
    assert height >= VIEWPORT["height"]


@pytest.mark.screenshots
def test_screenshots(new_page: Callable[..., Page], tmp_path: Path) -> None:
    """The journey in the example's own brand (the organisation's: it lives on justice.gov.uk)."""
    out = _out(tmp_path)
    page = new_page(viewport=VIEWPORT)
    _start(page)

    def shot(name: str) -> None:
        _shot(page, out / f"{name}.png")

    shot("start-page")
    page.get_by_role("button", name="Start now").click()
    for slug, _, _, _ in QUESTIONS:
        if slug == "email":
            page.get_by_role("button", name="Continue").click()
            expect(page.locator(".govuk-error-summary")).to_be_focused()
            page.locator(".govuk-error-summary").evaluate("summary => summary.blur()")
            shot("question-with-errors")
        answer(page, slug)
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your request")
    shot("check-answers")
    page.get_by_role("button", name="Accept and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request sent")
    shot("confirmation")


@pytest.mark.screenshots
def test_screenshot_of_the_govuk_brand(
    new_page: Callable[..., Page], govuk_server: ServerProcess, tmp_path: Path
) -> None:
    """The start page as a service on GOV.UK shows it: GOV.UK's header and GDS Transport."""
    page = new_page(base_url=govuk_server.url, viewport=VIEWPORT)
    _start(page)
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('19px GDS Transport')"), "GOV.UK fonts did not load"
    _shot(page, _out(tmp_path) / "start-page-govuk-brand.png")
