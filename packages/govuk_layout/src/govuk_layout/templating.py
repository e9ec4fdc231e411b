"""Jinja loading for govuk-frontend-jinja and the per-request template context."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request, url_for
from jinja2 import BaseLoader, PackageLoader, PrefixLoader

from govuk_layout import consent


class _FrontendTemplates(Blueprint):
    """A Blueprint with no routes whose only job is to expose govuk-frontend-jinja's templates.

    govuk-frontend-jinja's templates import each other as ``govuk_frontend_jinja/...``,
    so they are mounted under that prefix. Flask consults every blueprint's loader,
    so apps write no loader code of their own.
    """

    @property
    def jinja_loader(self) -> BaseLoader | None:
        return PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})


frontend_templates = _FrontendTemplates("govuk_frontend_jinja", __name__)


def asset_url(filename: str) -> str:
    """The URL of a govuk-frontend runtime file (CSS, JS, font or image)."""
    return url_for("govuk_layout.static", filename=filename)


def navigation() -> list[dict[str, Any]]:
    """Service navigation items: ``current`` on the page itself, ``active`` anywhere in its section."""
    items = current_app.config["GOVUK_NAVIGATION"]
    path = request.path
    return [
        {
            "text": item["text"],
            "href": item["href"],
            "current": path == item["href"],
            "active": path == item["href"] or (item["href"] != "/" and path.startswith(item["href"].rstrip("/") + "/")),
        }
        for item in items
    ]


def context() -> dict[str, Any]:
    return {
        "asset_url": asset_url,
        "govuk_navigation": navigation,
        "cookie_consent": consent.current_choice(),
    }
