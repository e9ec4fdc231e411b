"""The pytest plugin services test with: it is registered, and its helpers catch what they claim to."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from govuk_layout.testing import FormClient, assert_govuk_page, assert_security_headers, csrf_token
from govuk_layout.testing.hostile import SCRIPT, assert_safe


def test_pytest_loads_the_plugin_from_its_entry_point(pytestconfig: pytest.Config) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("govuk_layout")
    assert plugin is not None and plugin.__name__ == "govuk_layout.testing"


@pytest.fixture
def app(make_analytics_app: Callable[..., Flask]) -> Flask:
    """With analytics on, so the cookies page has a form to post."""
    return make_analytics_app()


def test_the_client_fixture_posts_forms_with_the_pages_token(client: FormClient) -> None:
    assert isinstance(client, FormClient)
    with client.post_form("/cookies", {"analytics": "yes", "source": "page"}) as saved:
        assert saved.status_code == 302
    assert client.get_cookie("cookies_policy").value == "analytics=yes"
    with client.post("/cookies", data={"analytics": "no", "source": "page"}) as refused:
        assert refused.status_code == 400  # the same post without the token


@pytest.mark.parametrize(
    "tag",
    [
        '<input type="hidden" name="csrf_token" value="abc.def">',  # govuk-layout's own forms
        '<input id="csrf_token" name="csrf_token" type="hidden" value="abc.def">',  # WTForms
    ],
)
def test_the_token_is_found_whatever_the_attribute_order(tag: str) -> None:
    assert csrf_token(f"<form>{tag}</form>") == "abc.def"


def test_a_page_without_a_token_fails_clearly() -> None:
    with pytest.raises(AssertionError, match="no CSRF token"):
        csrf_token("<form></form>")


def test_a_govuk_page_passes_and_broken_ones_fail(client: FormClient) -> None:
    html = assert_govuk_page(client.get("/privacy"), "Privacy notice – Apply for a thing – GOV\\.UK")
    with pytest.raises(AssertionError, match="does not match"):
        assert_govuk_page(html, "Cookies – .*")
    with pytest.raises(AssertionError, match="2 h1 headings"):
        assert_govuk_page(html.replace("</main>", "<h1>Another</h1></main>"), ".*")
    with pytest.raises(AssertionError, match="skip link leads nowhere"):
        assert_govuk_page(html.replace('id="main-content"', 'id="elsewhere"'), ".*")
    with pytest.raises(AssertionError, match="traceback"):
        assert_govuk_page(html + "Traceback (most recent call last):", ".*")


def test_security_headers_are_checked(client: FormClient) -> None:
    with client.get("/privacy", base_url="https://localhost") as response:
        assert_security_headers(response)
    with client.get("/privacy") as plain:
        assert_security_headers(plain, https=False)
        with pytest.raises(KeyError):
            assert_security_headers(plain)  # no HSTS over plain http


def test_assert_safe_refuses_a_server_error_and_an_echoed_script(client: FormClient) -> None:
    with client.get("/boom") as error, pytest.raises(AssertionError, match="500"):
        assert_safe(error)
    with client.get("/privacy") as page:
        page.set_data(page.get_data(as_text=True) + SCRIPT)
        with pytest.raises(AssertionError):
            assert_safe(page)
