"""Whatever is posted, every page answers with a GOV.UK page or a redirect, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from example_support import valid_answers
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from govuk_layout.testing import form_client
from govuk_layout.testing.hostile import HOSTILE
from govuk_layout.testing.processes import ServerProcess

FIELDS = {"full-name": "full_name", "email": "email", "organisation": "organisation", "reason": "reason"}
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=600)
values = st.one_of(text, st.lists(text, max_size=5))


@pytest.fixture(scope="module")
def app(make_app: Callable[..., Flask], moto: ServerProcess) -> Flask:
    """One app for every generated input; each input gets a fresh client (and session).

    Rate limits are off under TESTING: hundreds of posts a minute from one address are this test's method.
    """
    return make_app(moto.url)


@HOSTILE
@given(
    slug=st.sampled_from([*FIELDS, "start-date", "status"]), value=values, extra=st.dictionaries(text, text, max_size=3)
)
def test_any_post_is_a_page_or_a_redirect(app: Flask, slug: str, value: str | list[str], extra: dict[str, str]) -> None:
    with form_client(app) as client:
        for earlier, data in valid_answers().items():
            client.post_form(f"/request/{earlier}", data).close()
        path = "/status" if slug == "status" else f"/request/{slug}"
        field = {"status": "reference", "start-date": "start_date"}.get(slug) or FIELDS[slug]
        with client.post_form(path, {**extra, field: value}) as response:
            assert response.status_code in (302, 400, 404), response.status_code
            if response.status_code != 302:
                assert "govuk-template" in response.get_data(as_text=True)
