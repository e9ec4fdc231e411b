"""govuk-frontend's JavaScript runs under the service's Content-Security-Policy, with no violations."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from journey import RECORD_VIOLATIONS, Audit, answer
from playwright.sync_api import Error, Page, expect


def _page(new_page: Callable[..., Page]) -> Page:
    page = new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def test_govuk_frontend_initialises_under_the_csp(new_page: Callable[..., Page], audit: Audit) -> None:
    page = _page(new_page)
    page.goto("/request/full-name")
    for slug in ("full-name", "email", "organisation"):
        answer(page, slug)
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Why do you need access?")
    response = page.reload()
    assert response is not None

    policy = response.headers["content-security-policy"]
    nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", policy)
    assert nonce, policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert page.locator("script[type=module]").evaluate("script => script.nonce") == nonce.group(1)

    body = page.locator("body")
    expect(body).to_have_class(re.compile(r"(^|\s)js-enabled(\s|$)"))
    expect(body).to_have_class(re.compile(r"(^|\s)govuk-frontend-supported(\s|$)"))
    count = page.locator('[data-module="govuk-character-count"]')
    expect(count).to_have_attribute("data-govuk-character-count-init", "")
    page.get_by_label("Why do you need access?").fill("x" * 30)
    expect(page.get_by_text("You have 470 characters remaining", exact=True)).to_be_visible()
    uninitialised = page.evaluate(
        "() => [...document.querySelectorAll('[data-module]')]"
        ".filter(el => !el.hasAttribute(`data-${el.dataset.module}-init`)).map(el => el.dataset.module)"
    )
    assert uninitialised == []
    assert page.evaluate("window.cspViolations") == []
    audit(page, "reason question, character count enhanced")


def test_the_violation_check_catches_an_inline_script(new_page: Callable[..., Page]) -> None:
    """The check above can fail: a script without the nonce is blocked and reported."""
    page = _page(new_page)
    page.goto("/")
    with pytest.raises(Error, match="Content Security Policy"):
        page.add_script_tag(content="window.injected = true")
    assert page.evaluate("window.injected === undefined")
    assert page.evaluate("window.cspViolations") == ["script-src-elem blocked inline"]
