"""Check the status of a request: found, unknown and malformed references."""

from __future__ import annotations

import datetime
import html as html_lib
from collections.abc import Callable

import pytest
from example_support import access_request
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from example.model import AccessRequest


@pytest.fixture
def stored(app: Flask) -> AccessRequest:
    request = access_request(submitted_at=datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC))
    assert app.extensions["example.store"].add_new(request, 30)
    return request


def test_status_page_is_in_the_navigation(client: FlaskClient) -> None:
    page = client.get("/status").get_data(as_text=True)
    assert "<title>Check the status of a request – " in page
    assert 'aria-current="page"' in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize("typed", ["RA-7K3M-9QXP", "ra-7k3m-9qxp", " RA 7K3M 9QXP ", "7K3M9QXP"])
def test_found(client: FlaskClient, post_form: Callable[..., TestResponse], stored: AccessRequest, typed: str) -> None:
    with post_form("/status", {"reference": typed}) as found:
        assert found.status_code == 302
        assert found.headers["Location"] == "/status/RA-7K3M-9QXP"
    page = html_lib.unescape(client.get("/status/RA-7K3M-9QXP").get_data(as_text=True))
    for shown in (
        "RA-7K3M-9QXP",
        "Received",
        "ministryofjustice GitHub organisation",
        "4 March 2030",
        "2 November 2026",
    ):
        assert shown in page
    for hidden in ("ada@justice.gov.uk", "A private reason"):
        assert hidden not in page


def test_unknown_reference(post_form: Callable[..., TestResponse]) -> None:
    with post_form("/status", {"reference": "ra-2345-6789"}) as response:
        assert response.status_code == 404
        page = response.get_data(as_text=True)
    assert "<title>Error: Check the status of a request" in page
    assert (
        'href="#reference">No request found with reference RA-2345-6789. Check the reference and try again</a>' in page
    )
    assert 'value="ra-2345-6789"' in page  # what was typed stays in the box


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your reference"),
        ("hello", "Enter your reference in the correct format, like RA-7K3M-9QXP"),
        ("RA-7K3M-9QX0", "Enter your reference in the correct format, like RA-7K3M-9QXP"),  # 0 is never used
        ("RA-7K3M-9QXP-2", "Enter your reference in the correct format, like RA-7K3M-9QXP"),
        ("<script>", "Enter your reference in the correct format, like RA-7K3M-9QXP"),
    ],
)
def test_malformed_reference(post_form: Callable[..., TestResponse], typed: str, message: str) -> None:
    with post_form("/status", {"reference": typed}) as response:
        assert response.status_code == 400
        page = response.get_data(as_text=True)
    assert "<title>Error: " in page
    assert f'href="#reference">{message}</a>' in page
    assert "<script>" not in page.split("<main", 1)[1].split("</main>")[0] or typed != "<script>"


def test_detail_urls(client: FlaskClient, stored: AccessRequest) -> None:
    assert client.get("/status/ra-7k3m-9qxp").headers["Location"] == "/status/RA-7K3M-9QXP"
    assert client.get("/status/RA-2345-6789").status_code == 404
    assert client.get("/status/not-a-reference").status_code == 404


def test_a_request_past_its_retention_is_not_found(app: Flask, client: FlaskClient) -> None:
    old = access_request(
        reference="RA-3456-789A",
        reason="Long ago",
        start_date="2025-03-04",
        submitted_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=31),
    )
    assert app.extensions["example.store"].add_new(old, retention_days=30)
    assert client.get("/status/RA-3456-789A").status_code == 404
