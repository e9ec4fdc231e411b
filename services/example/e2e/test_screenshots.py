"""The README's screenshots. `nox -s screenshots` writes them to docs/; plain e2e runs write them to a temp folder."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from journey import QUESTIONS, answer
from playwright.sync_api import Page, expect

VIEWPORT = {"width": 1000, "height": 760}


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.screenshots
def test_screenshots(new_page: Callable[..., Page], tmp_path: Path) -> None:
    out = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=VIEWPORT)
    page.goto("/")
    page.get_by_role("button", name="Reject analytics cookies").click()
    page.get_by_role("link", name="Hide cookie message").click()

    def shot(name: str) -> None:
        page.evaluate("document.fonts.ready")
        assert page.evaluate("document.fonts.check('19px GDS Transport')"), "GOV.UK fonts did not load"
        page.screenshot(path=out / f"{name}.png", full_page=True, animations="disabled", caret="hide")

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

    for name in ("start-page", "question-with-errors", "check-answers", "confirmation"):
        width, height = _png_size(out / f"{name}.png")
        assert width == VIEWPORT["width"]
        assert height >= VIEWPORT["height"]
