"""The bench's per-hook CPU table names every hook, govuk-layout's combined ones included."""

from __future__ import annotations

from flask import Flask

from govuk_layout import GovukLayout
from govuk_layout.testing import TEST_CONFIG
from tools.bench import bench


def test_each_hook_has_its_own_row() -> None:
    app = Flask("timed")
    app.config.update(TEST_CONFIG, GOVUK_SERVICE_NAME="Fish", GOVUK_CONTACT_EMAIL="a@justice.gov.uk")
    GovukLayout(app)
    app.before_request(lambda: None)  # an app's own, beside govuk-layout's
    app.get("/")(lambda: "home")
    client = app.test_client()
    table = bench.time_hooks(app, {"page": lambda: client.get("/").close()}, 3)
    rows = {
        "govuk_layout.observability._start",
        "govuk_layout.inputs.check_input",
        "govuk_layout.observability._finish",
        "govuk_layout.security.PageHeaders.add_to",
        "govuk_layout.compression.compress_response",
        "(the view)",
    }
    assert rows <= set(table)
    assert [name for name in table if name.endswith("test_each_hook_has_its_own_row.<lambda>")]
    assert not [name for name in table if "govuk_layout.hooks" in name]  # the composites are not rows
    assert all(table[name]["page"] > 0 for name in rows)
