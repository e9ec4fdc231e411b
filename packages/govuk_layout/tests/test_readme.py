"""What the README promises a service about the package's routes holds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask


def test_the_readme_lists_every_endpoint_the_package_adds(make_app: Callable[..., Flask]) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `(govuk_\w+\.\w+)` \| `([^`]+)` \|", readme, re.M))
    app = make_app(
        GOVUK_OIDC_ISSUER="https://issuer.example",  # the sign-in routes exist only with an issuer; none is called
        GOVUK_OIDC_CLIENT_ID="client",
        GOVUK_OIDC_CLIENT_SECRET="secret",
    )
    routes = {
        rule.endpoint: re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("govuk_")
    }
    assert listed == routes
