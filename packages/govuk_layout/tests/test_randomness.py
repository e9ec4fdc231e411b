"""Random tokens: shaped as ``secrets`` makes them, each handed out once, in batches, and never shared with a fork."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import threading

import pytest
from itsdangerous.encoding import base64_encode

from govuk_layout import randomness
from govuk_layout.encoding import urlsafe_b64


@pytest.mark.parametrize(
    ("make", "size", "shape"),
    [
        (randomness.token_hex, 16, r"[0-9a-f]{32}"),
        (randomness.token_urlsafe, 24, r"[A-Za-z0-9_-]{32}"),
        (randomness.token_urlsafe, 32, r"[A-Za-z0-9_-]{43}"),
        (randomness.token_urlsafe, 1, r"[A-Za-z0-9_-]{2}"),
    ],
)
def test_tokens_have_the_shape_secrets_gives_them(make, size: int, shape: str) -> None:
    assert all(re.fullmatch(shape, make(size)) for _ in range(300))


@pytest.mark.parametrize("size", [0, 1, 16, randomness.BLOCK, randomness.BLOCK + 1, 100])
def test_bytes_come_in_the_size_asked_for(size: int) -> None:
    assert len(randomness.token_bytes(size)) == size


def test_tokens_are_distinct_across_threads() -> None:
    drawn: list[list[str]] = [[] for _ in range(4)]

    def draw(into: list[str]) -> None:
        into.extend(randomness.token_hex(16) for _ in range(1500))

    threads = [threading.Thread(target=draw, args=(into,)) for into in drawn]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tokens = [token for into in drawn for token in into]
    assert len(set(tokens)) == len(tokens) == 6000  # many batches, drawn from at once
    assert len({token[:4] for token in tokens}) > 3000  # random, not a counter or a shared prefix


def test_one_system_call_serves_a_batch_of_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    read = os.urandom

    def urandom(size: int) -> bytes:
        calls.append(size)
        return read(size)

    monkeypatch.setattr(randomness, "_blocks", [])
    monkeypatch.setattr(randomness.os, "urandom", urandom)
    for _ in range(256):
        randomness.token_urlsafe(24)
    assert calls == [randomness.BLOCK * 128] * 2


# Run in a process of its own: forking pytest's process, which may have threads, is deprecated.
_FORK_SCRIPT = """
import base64
import os
from govuk_layout.randomness import token_hex
first = token_hex(16)  # blocks read ahead are now in this process
reader, writer = os.pipe()
if os.fork() == 0:
    os.write(writer, " ".join(token_hex(16) for _ in range(300)).encode())
    os._exit(0)
os.close(writer)
with os.fdopen(reader) as pipe:
    child = pipe.read().split()
os.wait()
parent = [first, *(token_hex(16) for _ in range(300))]
print(len(child), len(set(child) | set(parent)))
"""


def test_a_forked_worker_never_hands_out_its_parents_tokens() -> None:
    result = subprocess.run([sys.executable, "-c", _FORK_SCRIPT], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["300", "601"]  # every token distinct: the child read its own


@pytest.mark.parametrize("size", [0, 1, 2, 3, 16, 24, 31, 32, 33, 100])
def test_urlsafe_b64_is_base64s_and_itsdangerous(size: int) -> None:
    data = os.urandom(size) + b"\xfb\xff"[: size % 3]  # bytes that give "+" and "/" in plain base64
    assert urlsafe_b64(data) == base64.urlsafe_b64encode(data).rstrip(b"=") == base64_encode(data)
