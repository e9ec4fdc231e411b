"""Sending a completed journey to the store, exactly once however often it is submitted."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from flask import Flask, current_app

from example.model import AccessRequest, new_reference
from example.repository import AccessRequestStore, StoreUnavailable

EXTENSION_KEY = "example.store"
_ATTEMPTS = 3


def init_app(app: Flask) -> AccessRequestStore:
    """Attach a store built from the app's validated config, and add it to ``/readyz``."""
    store = AccessRequestStore.from_config(app.config)
    app.extensions[EXTENSION_KEY] = store
    app.extensions["govuk_layout"].add_readiness_check("dynamodb", store.readiness)
    return store


def current_store() -> AccessRequestStore:
    store: AccessRequestStore = current_app.extensions[EXTENSION_KEY]
    return store


def submit(answers: Mapping[str, str], reference: str, token: str) -> str:
    """Store the request and return its reference.

    The write is conditional on the reference being new. If it is taken by this
    journey's own earlier submit (same token) that submit counts: one item, same
    reference. If another journey holds it, a fresh reference is drawn.
    """
    store = current_store()
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    for _ in range(_ATTEMPTS):
        request = AccessRequest(
            reference=reference,
            token=token,
            answers=answers,
            submitted_at=now,
        )
        if store.add_new(request, current_app.config["REQUEST_RETENTION_DAYS"]):
            return reference
        existing = store.get(reference)
        if existing is not None and existing.token == token:
            return reference
        reference = new_reference()
    raise StoreUnavailable("no free reference after several attempts")
