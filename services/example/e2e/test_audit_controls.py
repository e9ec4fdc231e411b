"""The audit can fail: axe-core and the Nu HTML Checker each catch a known fault in a broken page."""

from __future__ import annotations

import axe_check
from html_check import HtmlChecker
from playwright.sync_api import Page, Route

BROKEN = (
    "<!DOCTYPE html><html><head><title>Broken</title></head>"
    '<body><main><img src="/assets/images/govuk-crest.svg"><p><span><div></span></p>'
    '<input type="text" id="name"></main></body></html>'
)


def test_axe_and_vnu_report_faults_naming_the_rule_and_element(
    page: Page, axe_source: str, html_checker: HtmlChecker
) -> None:
    def broken(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=BROKEN)

    page.route("**/broken-page", broken)
    page.goto("/broken-page")
    found = axe_check.violations(page, axe_source)
    rules = {line.split(" ", 1)[0] for line in found}
    assert {"html-has-lang", "image-alt", "label"} <= rules, found
    assert any("img" in line and "image-alt" in line for line in found), found

    errors = html_checker.errors(BROKEN)
    assert any("Stray end tag “span”" in error for error in errors), errors
    assert html_checker.errors("<!DOCTYPE html><html lang=en><title>Fine</title><p>Fine</p>") == []
