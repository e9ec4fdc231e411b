"""Hostile input for property-based tests (hypothesis), and the check every answer to it must pass.

``@HOSTILE`` runs the same derandomized cases every time; ``PAYLOADS`` are the strings attackers and
broken clients send; ``hostile_text()`` mixes them with arbitrary text; ``assert_safe(response)`` says
the answer is not a 5xx, a 4xx is a whole page in the layout, and nothing was echoed unescaped.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

_TITLE = re.compile(r"<title>[^<]+ – [^<]+</title>")
__all__ = ["HOSTILE", "IMAGE", "PAYLOADS", "SCRIPT", "assert_safe", "hostile_text"]

HOSTILE = settings(
    max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
PAYLOADS = [
    SCRIPT,
    f'"><{SCRIPT[1:]}',
    f"'>{IMAGE}",
    "javascript:alert(1)",
    "{{ 7 * 7 }}{% raw %}",
    "\x00",
    "\x00\x01\x1b[31m",
    "\x1b[2J",
    "\u202eevil\u200b",
    "Ada\r\nBcc: someone@evil.example",
    "ada@justice.gov.uk\x00@evil.example",
    "A" * 50_000,
]


def hostile_text(max_size: int = 600) -> st.SearchStrategy[str]:
    """A payload, any text, or any UTF-8-encodable text."""
    return st.one_of(
        st.sampled_from(PAYLOADS), st.text(max_size=max_size), st.text(st.characters(codec="utf-8"), max_size=50)
    )


def assert_safe(response: TestResponse) -> str:
    """Never a 5xx; a 4xx HTML answer is a whole page in the layout; no script we did not write. Returns the body."""
    body = response.get_data(as_text=True)
    assert response.status_code < 500, f"{response.status_code}: {body[:300]}"
    if response.status_code >= 400 and response.mimetype == "text/html" and body:  # HEAD has no body
        # "<page> – <service> – GOV.UK", or the organisation's name under its own brand.
        assert _TITLE.search(body) and "govuk-footer" in body, f"{response.status_code} is not a whole page"
    assert SCRIPT not in body and IMAGE not in body
    return body
