"""Text compressed once, with slots for the few short values that differ on every request.

A page served from a cache differs between requests only in short values: the CSP nonce, the CSRF
token. Compressing the whole page again for each response would cost more CPU than everything else
such a response does. gzip's deflate stream can instead be built from pieces that decode one after
another:

- each static piece is compressed once, at the highest level, and ends with a full flush, so it ends
  on a byte boundary and nothing after it refers back into it;
- each value goes in between as a stored (uncompressed) deflate block;
- the stream ends with an empty final block and gzip's CRC-32 and length of the whole text.

A response then costs a join and a CRC of its values alone: each static piece's CRC-32 is worked out
once, and the running CRC is carried across it as zlib's ``crc32_combine`` does, by a linear map over
the 32 bits that a few byte tables hold. Measured on the example's start page the pieces
come to about the size brotli 2 makes of the whole page (the values are a few dozen bytes, and a full
flush every few kilobytes costs little), so no first-visit bytes are lost. Brotli has no such seam that
Python's binding exposes, so a slotted page goes out as gzip, which every browser accepts.
"""

from __future__ import annotations

import functools
import re
import struct
import zlib
from array import array
from collections.abc import Mapping
from dataclasses import dataclass

# ID1 ID2, deflate, no flags, no modification time, "maximum compression", unknown OS (RFC 1952).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
FINAL_BLOCK = b"\x01\x00\x00\xff\xff"  # an empty stored block with BFINAL set
MAX_STORED = 0xFFFF  # a stored block holds at most this many bytes
_STORED_HEADER = struct.Struct("<BHH")  # BFINAL 0, BTYPE 00 (stored), then LEN and NLEN
# CRC-32 as zlib computes it: the reflected polynomial, in which x^0 is the top bit.
_CRC_POLY = 0xEDB88320
_X0 = 1 << 31


def _multiply(a: int, b: int) -> int:
    """``a`` times ``b`` modulo the CRC-32 polynomial (zlib's ``multmodp``)."""
    product = 0
    mask = _X0
    while mask and a:
        if a & mask:
            product ^= b
            a ^= mask
        mask >>= 1
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1
    return product


def _x_to_8n(n: int) -> int:
    """x to the power 8n modulo the polynomial: what a CRC is multiplied by to carry it over ``n`` bytes."""
    power, square = _X0, _X0 >> 1  # x^0, and x^1 to be squared up to x^(2^k)
    n *= 8
    while n:
        if n & 1:
            power = _multiply(square, power)
        square = _multiply(square, square)
        n >>= 1
    return power


def _carry_tables(length: int) -> tuple[array[int], ...]:
    """Byte tables of the map that carries a running CRC over ``length`` bytes (``crc32_combine`` with them).

    The map is linear over the CRC's bits, so it is the XOR of its value at each byte of the CRC: four
    tables of 256 entries, made from the map's value at each of the 32 bits.
    """
    power = _x_to_8n(length)
    bits = [_multiply(power, 1 << bit) for bit in range(32)]
    tables = []
    for byte in range(4):
        table = array("L", [0]) * 256
        for value in range(1, 256):
            low = value & -value
            table[value] = table[value ^ low] ^ bits[8 * byte + low.bit_length() - 1]
        tables.append(table)
    return tuple(tables)


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
    def _crc_plan(self) -> tuple[int, tuple[tuple[int, tuple[array[int], ...]], ...]]:
        """The first piece's CRC-32, and each later piece's CRC-32 with the tables that carry a CRC over it.

        A CRC over a piece would cost the most of a response (and zlib lets go of the GIL for one over more
        than 5 KiB; see :mod:`govuk_layout.randomness`); carried across it, a piece costs four lookups.
        """
        later = tuple((zlib.crc32(piece), _carry_tables(len(piece))) for piece in self.pieces[1:])
        return zlib.crc32(self.pieces[0]), later

    def gzip(self, values: Mapping[str, str]) -> bytes:
        """``fill(values)`` as a gzip stream, compressing only the values (stored as they are)."""
        encoded = self._values(values)
        out = [GZIP_HEADER, self.compressed[0]]
        crc, later = self._crc_plan
        for (piece_crc, carry), compressed, value in zip(later, self.compressed[1:], encoded, strict=True):
            out += (_stored(value), compressed)
            crc = zlib.crc32(value, crc)  # a value of a few dozen bytes: zlib keeps the GIL
            # crc32_combine(crc, piece_crc, len(piece)): the running CRC carried over the piece, then the piece's.
            crc = carry[0][crc & 0xFF] ^ carry[1][crc >> 8 & 0xFF] ^ carry[2][crc >> 16 & 0xFF] ^ carry[3][crc >> 24]
            crc ^= piece_crc
        size = self._pieces_size + sum(map(len, encoded))
        out += (FINAL_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF))
        return b"".join(out)
