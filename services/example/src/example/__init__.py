"""Request access: an example GOV.UK transaction built on govuk-layout."""

from example.app import create_app

__all__ = ["create_app"]
