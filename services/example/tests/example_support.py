"""Helpers for the example service's tests: a warm moto server, valid answers and requests."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import boto3
from flask import Flask
from werkzeug.test import TestResponse

import example
import govuk_layout
from example.model import AccessRequest
from govuk_layout import catalogues
from govuk_layout.i18n import uk_today
from govuk_layout.testing.processes import ServerProcess


def warm_up(server: ServerProcess) -> ServerProcess:
    """moto loads its DynamoDB backend on first use; load it now so the first probe is not slow."""
    client = boto3.client("dynamodb", region_name="eu-west-2", endpoint_url=server.url)
    try:
        client.list_tables()
    finally:
        client.close()
    return server


def future_date(days: int = 30) -> datetime.date:
    return uk_today() + datetime.timedelta(days=days)


def valid_answers() -> dict[str, dict[str, Any]]:
    """Form data that passes every question, by page slug."""
    start = future_date()
    return {
        "full-name": {"full_name": "Ada Lovelace"},
        "email": {"email": "ada.lovelace@digital.justice.gov.uk"},
        "organisation": {"organisation": "moj-analytical-services"},
        "reason": {"reason": "I maintain the analytical platform's data pipelines."},
        "start-date": {"start_date": [str(start.day), str(start.month), str(start.year)]},
    }


def access_request(**changes: Any) -> AccessRequest:
    """A valid stored request; tests change only the fields and answers (as text) they are about."""
    answers = {
        "full_name": "Ada Lovelace",
        "email": "ada@justice.gov.uk",
        "organisation": "ministryofjustice",
        "reason": "A private reason",
        "start_date": "2030-03-04",
    }
    fields: dict[str, Any] = {
        "reference": "RA-7K3M-9QXP",
        "token": "t",
        "submitted_at": datetime.datetime.now(datetime.UTC),
    }
    for name, value in changes.items():
        (answers if name in answers else fields)[name] = value
    return AccessRequest(answers=answers, **fields)


def table_items(app: Flask) -> list[dict[str, Any]]:
    """Every item in the app's table, read straight from the endpoint (not through the app's code)."""
    config = app.config
    client = boto3.client(
        "dynamodb", region_name=config["DYNAMODB_REGION"], endpoint_url=config["DYNAMODB_ENDPOINT_URL"]
    )
    try:
        return list(client.scan(TableName=config["DYNAMODB_TABLE_NAME"], ConsistentRead=True)["Items"])
    finally:
        client.close()


def reference_on(html: str) -> str:
    match = re.search(r'id="reference">([^<]+)<', html)
    assert match, "the page shows no reference"
    return match.group(1)


CATALOGUE_ROOTS = [Path(govuk_layout.__file__).parent, Path(example.__file__).parent]


def welsh_page(response: TestResponse) -> str:
    """The page's HTML, after checking it is a Welsh page with no English message left on it."""
    html = response.get_data(as_text=True)
    assert '<html lang="cy"' in html
    assert catalogues.english_left(catalogues.page_text(html), CATALOGUE_ROOTS) == []
    return html
