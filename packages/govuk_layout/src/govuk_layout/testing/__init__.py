"""Helpers for testing apps built on govuk-layout (real server processes, no stand-ins)."""
