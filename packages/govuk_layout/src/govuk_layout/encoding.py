"""Unpadded URL-safe base64, the form of the tokens the package makes: ids, nonces and signatures.

``base64.urlsafe_b64encode(data).rstrip(b"=")``, what ``secrets.token_urlsafe`` and itsdangerous's
``base64_encode`` give, in three C calls: a first visit makes five such strings, and ``base64``'s layers
of Python cost more than the encoding.
"""

from __future__ import annotations

import binascii

_URLSAFE = bytes.maketrans(b"+/", b"-_")


def urlsafe_b64(data: bytes) -> bytes:
    """``data`` in URL-safe base64 without ``=`` padding."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")
