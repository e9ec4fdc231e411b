"""Random tokens for every request (ids, nonces), cut from ``os.urandom`` read in batches.

``secrets`` makes each token with a ``getrandom`` system call, and CPython lets go of the GIL around
it. Under gunicorn's threads a request that lets go of the GIL gets it back only after another
thread has had its turn: a first visit made three such calls (request id, CSP nonce, session id),
and with four threads busy each cost far more than the call itself. Here one call reads 4 KiB, a
block for each of 128 tokens.

The bytes are ``os.urandom``'s, as ``secrets`` uses. Each block is handed out once (``list.pop``
gives it to one thread only), and a forked child (a gunicorn worker) drops the blocks its parent
read, so no two processes hand out the same token.
"""

from __future__ import annotations

import os

from govuk_layout.encoding import urlsafe_b64

BLOCK = 32  # bytes per token at most: a session id's 32 is the largest the package makes
_BATCH = 128  # blocks per system call: 4 KiB
_blocks: list[bytes] = []
os.register_at_fork(after_in_child=_blocks.clear)


def token_bytes(size: int) -> bytes:
    """``size`` random bytes, as ``secrets.token_bytes(size)``."""
    if size > BLOCK:
        return os.urandom(size)
    try:
        block = _blocks.pop()
    except IndexError:
        batch = os.urandom(BLOCK * _BATCH)
        read = [batch[start : start + BLOCK] for start in range(0, len(batch), BLOCK)]
        block = read.pop()
        _blocks.extend(read)
    return block[:size]


def token_hex(size: int) -> str:
    """``size`` random bytes as hex, as ``secrets.token_hex(size)``."""
    return token_bytes(size).hex()


def token_urlsafe(size: int) -> str:
    """``size`` random bytes in unpadded URL-safe base64, as ``secrets.token_urlsafe(size)``."""
    return urlsafe_b64(token_bytes(size)).decode("ascii")
