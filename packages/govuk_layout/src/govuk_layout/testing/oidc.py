"""Staff sign-in for tests: a real OpenID Connect provider process and a browser-less walk through it.

``oidc_provider()`` runs oidc-provider-mock (the test group) on a free loopback port with a staff
and a non-staff person on its sign-in page; ``oidc_config()`` is the app config that points at it;
``sign_in()`` goes through the real redirects, picking a person as someone would on that page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from flask.testing import FlaskClient

from govuk_layout.testing import processes

STAFF, NON_STAFF, STAFF_GROUP = processes.STAFF, processes.NON_STAFF, processes.STAFF_GROUP


@contextlib.contextmanager
def oidc_provider(log_dir: Path, users: tuple[Mapping[str, Any], ...] | None = None) -> Iterator[str]:
    """Run oidc-provider-mock on a free loopback port for the ``with`` block; yields its issuer URL."""
    with processes.oidc_provider(log_dir, users) as server:
        yield server.url


def oidc_config(issuer: str, **overrides: Any) -> dict[str, Any]:
    """App config that signs staff in at ``issuer`` (the provider accepts any client id and secret)."""
    return {**processes.oidc_app_env(issuer), "GOVUK_OIDC_ROLE_VALUES": [STAFF_GROUP], **overrides}


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


def sign_in(client: FlaskClient, sub: str = str(STAFF["sub"]), path: str = "/sign-in") -> Any:
    """Sign in through the real provider as ``sub``; returns the app's answer to the callback."""
    return client.get(choose_user(start_sign_in(client, path), sub))


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
