"""Text compressed once, with slots for the few short values that differ on every request.

A page served from a cache differs between requests only in short values: the CSP nonce, the CSRF
token. Compressing the whole page again for each response would cost more CPU than everything else
such a response does. gzip's deflate stream can instead be built from pieces that decode one after
another:

- each static piece is compressed once, at the highest level, and ends with a full flush, so it ends
  on a byte boundary and nothing after it refers back into it;
- each value goes in between as a stored (uncompressed) deflate block;
- the stream ends with an empty final block and gzip's CRC-32 and length of the whole text.

A response then costs a CRC over the text and a join. Measured on the example's start page the pieces
come to about the size brotli 2 makes of the whole page (the values are a few dozen bytes, and a full
flush every few kilobytes costs little), so no first-visit bytes are lost. Brotli has no such seam that
Python's binding exposes, so a slotted page goes out as gzip, which every browser accepts.
"""

from __future__ import annotations

import functools
import re
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

# ID1 ID2, deflate, no flags, no modification time, "maximum compression", unknown OS (RFC 1952).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
FINAL_BLOCK = b"\x01\x00\x00\xff\xff"  # an empty stored block with BFINAL set
MAX_STORED = 0xFFFF  # a stored block holds at most this many bytes
_STORED_HEADER = struct.Struct("<BHH")  # BFINAL 0, BTYPE 00 (stored), then LEN and NLEN
_CRC_PART = 4096  # bytes: zlib lets go of the GIL for a CRC over more than 5 KiB


def _compressed(piece: bytes) -> bytes:
    """Raw deflate of one piece, byte-aligned at its end, referring to nothing outside it."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 9)
    return compressor.compress(piece) + compressor.flush(zlib.Z_FULL_FLUSH)


def _stored(value: bytes) -> bytes:
    """``value`` as non-final stored blocks (each starts on a byte boundary, as a full flush leaves it)."""
    if 0 < len(value) <= MAX_STORED:  # a nonce, a token, an answer: one block
        return _STORED_HEADER.pack(0, len(value), len(value) ^ 0xFFFF) + value
    blocks = []
    for start in range(0, len(value), MAX_STORED):
        chunk = value[start : start + MAX_STORED]
        blocks.append(_STORED_HEADER.pack(0, len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)


@dataclass(frozen=True)
class Slotted:
    """A text cut at its placeholders: ``fill`` puts values in, ``gzip`` does the same, compressed."""

    pieces: tuple[bytes, ...]  # the text between slots, UTF-8
    slots: tuple[str, ...]  # the name of the value after each piece but the last

    @functools.cached_property
    def compressed(self) -> tuple[bytes, ...]:
        """Each piece's raw deflate, made on the first ``gzip`` (a text filled only once never pays for it)."""
        return tuple(_compressed(piece) for piece in self.pieces)

    @classmethod
    def cut(cls, text: str, placeholders: Mapping[str, str]) -> Slotted:
        """Cut ``text`` wherever a placeholder (a key of ``placeholders``) occurs; the values name the slots."""
        pieces: list[str] = []
        slots: list[str] = []
        start = 0
        if placeholders:  # an empty pattern would match everywhere
            pattern = re.compile("|".join(re.escape(placeholder) for placeholder in placeholders))
            for match in pattern.finditer(text):
                pieces.append(text[start : match.start()])
                slots.append(placeholders[match.group()])
                start = match.end()
        pieces.append(text[start:])
        return cls(tuple(piece.encode() for piece in pieces), tuple(slots))

    def _values(self, values: Mapping[str, str]) -> list[bytes]:
        return [values[slot].encode() for slot in self.slots]

    def fill(self, values: Mapping[str, str]) -> bytes:
        """The text with each slot's value put in, UTF-8."""
        out = [self.pieces[0]]
        for piece, value in zip(self.pieces[1:], self._values(values), strict=True):
            out += (value, piece)
        return b"".join(out)

    @functools.cached_property
    def _pieces_size(self) -> int:
        return sum(map(len, self.pieces))

    @functools.cached_property
    def _crc_parts(self) -> tuple[int, tuple[tuple[memoryview, ...], ...]]:
        """The first piece's CRC-32, and each later piece in parts short enough that zlib keeps the GIL.

        zlib lets go of the GIL for a CRC over more than 5 KiB; under gunicorn's threads the request
        then waits behind the others to get it back (see :mod:`govuk_layout.randomness`).
        """
        parts = tuple(
            tuple(memoryview(piece)[start : start + _CRC_PART] for start in range(0, len(piece), _CRC_PART))
            for piece in self.pieces[1:]
        )
        return zlib.crc32(self.pieces[0]), parts

    def gzip(self, values: Mapping[str, str]) -> bytes:
        """``fill(values)`` as a gzip stream, compressing only the values (stored as they are)."""
        encoded = self._values(values)
        out = [GZIP_HEADER, self.compressed[0]]
        crc, parts = self._crc_parts
        for piece, compressed, value in zip(parts, self.compressed[1:], encoded, strict=True):
            out += (_stored(value), compressed)
            crc = zlib.crc32(value, crc)
            for part in piece:
                crc = zlib.crc32(part, crc)
        size = self._pieces_size + sum(map(len, encoded))
        out += (FINAL_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF))
        return b"".join(out)
