"""Steps of the request-access journey, shared by the journey, keyboard and screenshot tests."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

Audit = Callable[[Page, str], None]
SERVICE = "Request access to an Operations Engineering service"
# The end of every title, per GOVUK_BRAND; the example, on a justice.gov.uk host, has the organisation's.
TITLE_SUFFIX = {"organisation": "Ministry of Justice", "govuk": "GOV.UK"}
ORGANISATION = TITLE_SUFFIX["organisation"]
# Collects every CSP violation the page reports, before any of the page's own scripts run.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
START_DATE = datetime.date.today() + datetime.timedelta(days=30)
REFERENCE = re.compile(r"RA-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}")

# Each question: its slug, its heading, the error for an empty answer, and the row on check your answers.
QUESTIONS = [
    ("full-name", "What is your full name?", "Enter your full name", "Ada Lovelace"),
    (
        "email",
        "What is your work email address?",
        "Enter your work email address",
        "ada.lovelace@digital.justice.gov.uk",
    ),
    (
        "organisation",
        "Which organisation do you need access to?",
        "Select which organisation you need access to",
        "moj-analytical-services GitHub organisation",
    ),
    ("reason", "Why do you need access?", "Enter why you need access", "I maintain the data pipelines."),
    (
        "start-date",
        "When do you need access from?",
        "Enter the date you need access from",
        f"{START_DATE.day} {START_DATE:%B %Y}",
    ),
]


# The labels a person reads and the answers they type, per language (test_welsh.py has the Welsh).
ENGLISH_ANSWERS = {
    "full-name": ("What is your full name?", "Ada Lovelace"),
    "email": ("What is your work email address?", "ada.lovelace@digital.justice.gov.uk"),
    "organisation": ("moj-analytical-services GitHub organisation", ""),
    "reason": ("Why do you need access?", "I maintain the data pipelines."),
    "start-date": (("Day", "Month", "Year"), ""),
}


def answer(page: Page, slug: str, answers: dict[str, tuple[Any, str]] = ENGLISH_ANSWERS) -> None:
    """Fill in the valid answer for the question on screen (without continuing), with ``answers``' labels."""
    label, text = answers[slug]
    if slug == "organisation":
        page.get_by_label(label).check()
    elif slug == "start-date":
        for part, value in zip(label, (START_DATE.day, START_DATE.month, START_DATE.year), strict=True):
            page.get_by_label(part).fill(str(value))
    else:
        page.get_by_label(label).fill(text)


def error_summary(page: Page) -> Locator:
    return page.get_by_role("alert").filter(has_text="There is a problem")


def expect_question(page: Page, heading: str, errors: bool = False, brand: str = "organisation") -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    prefix = "Error: " if errors else ""
    expect(page).to_have_title(f"{prefix}{heading} – {SERVICE} – {TITLE_SUFFIX[brand]}")


def reference_on(page: Page) -> str:
    text = page.locator("#reference").inner_text().strip()
    assert REFERENCE.fullmatch(text), text
    return text
