"""Every response the example service gives carries the security headers, and each page its own CSP nonce."""

from __future__ import annotations

import re
from collections.abc import Callable

from example_support import valid_answers
from flask import Flask
from werkzeug.test import TestResponse

from govuk_layout.testing import FormClient, assert_security_headers
from govuk_layout.testing.processes import ServerProcess, free_port

# As the ingress sends it; over https Flask-WTF also wants a same-site Referer on posts, as browsers send.
HTTPS = {"X-Forwarded-Proto": "https", "Referer": "https://localhost/"}
NONCE = re.compile(r"'nonce-([A-Za-z0-9_\-]+)'")


def test_every_kind_of_response_carries_the_headers(client: FormClient) -> None:
    seen = set()

    def check(response: TestResponse) -> None:
        with response:
            assert_security_headers(response)
            seen.add(response.status_code)

    for path in ("/", "/request/full-name", "/status", "/status/RA-2345-6789", "/nope", "/healthz", "/readyz"):
        check(client.get(path, headers=HTTPS))
    check(client.get("/assets/govuk-frontend.min.css", headers=HTTPS))
    check(client.delete("/", headers=HTTPS))
    check(client.post("/request/full-name", data={"full_name": "Ada"}, headers=HTTPS))  # no CSRF token
    for slug, data in valid_answers().items():
        check(client.post_form(f"/request/{slug}", data, headers=HTTPS))
    check(client.post_form("/request/full-name", {"full_name": ""}, headers=HTTPS))
    check(client.post_form("/request/check-answers", token=client.csrf_token("/status", headers=HTTPS), headers=HTTPS))
    check(client.get("/request/confirmation", headers=HTTPS))
    assert seen >= {200, 302, 400, 404, 405}


def test_errors_and_outages_carry_the_headers(make_app: Callable[..., Flask], moto: ServerProcess) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client = make_app(dead, create_table=False, RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute").test_client()
    for expected in (503, 503, 429):
        with client.get("/readyz", headers=HTTPS) as unready:
            assert unready.status_code == 503  # health probes are never rate limited
            assert_security_headers(unready)
        with client.get("/status/RA-2345-6789", headers=HTTPS) as response:
            assert response.status_code == expected
            assert_security_headers(response)
            assert "<title>Sorry" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_each_page_has_a_fresh_nonce_on_its_scripts(client: FormClient) -> None:
    nonces = set()
    for path in ("/", "/", "/request/full-name", "/status", "/nope"):
        with client.get(path, headers=HTTPS) as response:
            (nonce,) = NONCE.findall(response.headers["Content-Security-Policy"])
            scripts = re.findall(r"<script\b([^>]*)>", response.get_data(as_text=True))
        assert scripts and all(f'nonce="{nonce}"' in attributes for attributes in scripts)
        nonces.add(nonce)
    assert len(nonces) == 5
