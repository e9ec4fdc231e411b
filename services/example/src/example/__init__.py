"""Request access: a GOV.UK service built on govuk-layout."""

from example.app import create_app

__all__ = ["create_app"]
