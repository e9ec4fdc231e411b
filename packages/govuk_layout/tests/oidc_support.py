"""A real OpenID Connect provider process (oidc-provider-mock) and a browser-less walk through sign-in.

To move into the shared process harness and the govuk_layout.testing plugin once they land.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess  # nosec B404 - a fixed argument list
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from flask.testing import FlaskClient

HOST = "127.0.0.1"
STAFF_GROUP = "operations-engineering-staff"
# The people on the provider's sign-in page: one with the staff group, one without.
STAFF = {"sub": "sam.staff@justice.gov.uk", "email": "sam.staff@justice.gov.uk", "name": "Sam Staff",
         "groups": [STAFF_GROUP]}  # fmt: skip
NON_STAFF = {"sub": "nina.other@justice.gov.uk", "email": "nina.other@justice.gov.uk", "name": "Nina Other",
             "groups": ["someone-else"]}  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def oidc_provider(log_dir: Path, users: tuple[Mapping[str, Any], ...] = (STAFF, NON_STAFF)) -> Iterator[str]:
    """Run oidc-provider-mock on a free loopback port for the ``with`` block; yields its issuer URL."""
    port = free_port()
    command = [sys.executable, "-m", "oidc_provider_mock", "--host", HOST, "--port", str(port)]
    for user in users:
        command += ["--user-claims", json.dumps(user)]
    log = log_dir / f"oidc-{port}.log"
    issuer = f"http://{HOST}:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # nosec B603
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"oidc-provider-mock exited: {log.read_text()}")
            try:
                with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=1):  # nosec B310
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"oidc-provider-mock did not answer: {log.read_text()}") from None
                time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def oidc_config(issuer: str, **overrides: Any) -> dict[str, Any]:
    """App config that signs staff in at ``issuer`` (the provider accepts any client id and secret)."""
    return {
        "GOVUK_OIDC_ISSUER": issuer,
        "GOVUK_OIDC_CLIENT_ID": "govuk-layout-tests",
        "GOVUK_OIDC_CLIENT_SECRET": "not-a-secret-but-long",
        "GOVUK_OIDC_ROLE_VALUES": [STAFF_GROUP],
        **overrides,
    }


def start_sign_in(client: FlaskClient, path: str = "/sign-in") -> str:
    """GET ``path`` (a guarded page or /sign-in) through to the provider; returns its authorization URL."""
    response = client.get(path)
    while response.status_code == 302 and response.location.startswith("/"):
        response = client.get(response.location)
    assert response.status_code == 302, response.status_code
    return response.location


def choose_user(authorization_url: str, sub: str) -> str:
    """Pick ``sub`` on the provider's sign-in form, as a person would; returns the callback path with its query."""
    answer = requests.post(authorization_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    return f"{callback.path}?{callback.query}"


def sign_in(client: FlaskClient, sub: str = STAFF["sub"], path: str = "/sign-in") -> Any:
    """Sign in through the real provider as ``sub``; returns the app's answer to the callback."""
    return client.get(choose_user(start_sign_in(client, path), sub))


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
