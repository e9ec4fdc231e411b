"""The start page's first and repeat visits stay within the targets, counted as ``nox -s bench`` counts them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from govuk_layout.testing.processes import free_port
from govuk_layout.testing.weight import FIRST_VISIT_LIMITS, REPEAT_VISIT_LIMIT, client_fetch, page_weight

# What each brand's first visit must include, so the count cannot pass by missing a file.
LOADS = {
    "govuk": (".css", ".js", "favicon", ".woff2"),
    "organisation": (".css", ".js", "moj-logotype-crest-2024", ".png"),
}


@pytest.mark.parametrize("brand", ["organisation"])
def test_the_start_page_is_light(make_app: Callable[..., Flask], brand: str) -> None:
    app = make_app(f"http://127.0.0.1:{free_port()}", create_table=False, GOVUK_BRAND=brand)
    weight = page_weight(client_fetch(app), "https://localhost/")
    loaded = [row["url"] for row in weight.files]
    assert all(any(part in url for url in loaded) for part in LOADS[brand]), loaded
    assert weight.first_visit <= FIRST_VISIT_LIMITS[brand], weight.files
    assert weight.repeat_visit <= REPEAT_VISIT_LIMIT
