"""A slotted text decodes, plain and gzipped, to the text with each value put in."""

from __future__ import annotations

import gzip
import secrets
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from govuk_layout import slotted as slotted_module
from govuk_layout.compression import GZIP_LEVEL
from govuk_layout.slotted import Slotted

PAGE = (
    '<!DOCTYPE html><html lang="en"><head><script nonce="@@NONCE@@">document.body.className += " js"</script>'
    + "".join(f'<p class="govuk-body">Paragraph {n} of a page that repeats itself a good deal.</p>' for n in range(300))
    + '<form method="post"><input type="hidden" name="csrf_token" value="@@CSRF@@"></form>'
    + '<script type="module" nonce="@@NONCE@@">initAll()</script></html>'
)
PLACEHOLDERS = {"@@NONCE@@": "nonce", "@@CSRF@@": "csrf"}


def values() -> dict[str, str]:
    return {"nonce": secrets.token_urlsafe(16), "csrf": secrets.token_urlsafe(60)}


def expected(text: str, filled: dict[str, str]) -> bytes:
    for placeholder, name in PLACEHOLDERS.items():
        text = text.replace(placeholder, filled[name])
    return text.encode()


def test_fill_puts_every_value_in_every_slot() -> None:
    slotted = Slotted.cut(PAGE, PLACEHOLDERS)
    filled = values()
    assert slotted.slots == ("nonce", "csrf", "nonce")
    assert slotted.fill(filled) == expected(PAGE, filled)


def test_gzip_decodes_to_the_filled_text_with_gzip_and_zlib() -> None:
    slotted = Slotted.cut(PAGE, PLACEHOLDERS)
    filled = values()
    body = slotted.gzip(filled)
    assert gzip.decompress(body) == expected(PAGE, filled)
    decoder = zlib.decompressobj(wbits=31)  # what a browser's inflate does: one member, checked CRC and length
    assert decoder.decompress(body) == expected(PAGE, filled)
    assert decoder.eof and not decoder.unused_data


def test_each_request_gets_its_own_values() -> None:
    slotted = Slotted.cut(PAGE, PLACEHOLDERS)
    first, second = values(), values()
    assert gzip.decompress(slotted.gzip(first)) == expected(PAGE, first)
    assert gzip.decompress(slotted.gzip(second)) == expected(PAGE, second)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no slots at all",
        "@@NONCE@@",
        "@@NONCE@@@@CSRF@@",
        "Welsh: Gwasanaeth ‘Gofyn am fynediad’ @@CSRF@@ – ŵ ŷ",
    ],
)
def test_edges_decode(text: str) -> None:
    slotted = Slotted.cut(text, PLACEHOLDERS)
    filled = values()
    assert gzip.decompress(slotted.gzip(filled)) == expected(text, filled) == slotted.fill(filled)


def test_a_value_longer_than_one_stored_block() -> None:
    slotted = Slotted.cut(PAGE, PLACEHOLDERS)
    filled = {"nonce": "n" * 70_000, "csrf": secrets.token_hex(40_000)}
    assert gzip.decompress(slotted.gzip(filled)) == expected(PAGE, filled)


def test_a_response_takes_a_crc_of_its_values_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pieces' CRCs are worked out once and carried over: a CRC over a page's kilobytes is most of a response's
    cost (and zlib lets go of the GIL for one over 5 KiB)."""
    slotted = Slotted.cut(PAGE, PLACEHOLDERS)
    assert max(map(len, slotted.pieces)) > 5 * 1024
    slotted.gzip(values())  # the pieces compressed, and their CRCs worked out, once
    crc_over: list[bytes] = []

    def crc32(data: bytes, value: int = 0) -> int:
        crc_over.append(bytes(data))
        return zlib.crc32(data, value)

    monkeypatch.setattr(slotted_module, "zlib", SimpleNamespace(crc32=crc32))
    filled = values()
    assert gzip.decompress(slotted.gzip(filled)) == expected(PAGE, filled)
    assert crc_over == [filled[slot].encode() for slot in slotted.slots]


@pytest.mark.parametrize("lengths", [(0, 0, 0), (1, 2, 3), (5000, 0, 70_000), (3, 65_535, 65_536, 1)])
def test_the_crc_carried_over_pieces_of_any_length_is_zlibs(lengths: tuple[int, ...]) -> None:
    """gzip's trailer holds the CRC of the whole text; a wrong one makes every browser refuse the page."""
    text = "@@CSRF@@".join(secrets.token_hex(length)[:length] for length in lengths)
    slotted = Slotted.cut(text, PLACEHOLDERS)
    filled = values()
    body = slotted.gzip(filled)
    whole = expected(text, filled)
    assert int.from_bytes(body[-8:-4], "little") == zlib.crc32(whole)
    assert gzip.decompress(body) == whole


def test_a_real_page_costs_a_few_bytes_a_slot_over_the_hooks_gzip_of_it() -> None:
    """Each slot costs a stored block's 5 bytes, a flush's 5 and its value uncompressed; level 9 wins most back."""
    page = (Path(__file__).parent / "fixtures" / "govuk_brand_page.html").read_text()
    slotted = Slotted.cut(page, {'nonce="NONCE"': "nonce", 'value="CSRF"': "csrf"})
    filled = {"nonce": f'nonce="{secrets.token_urlsafe(16)}"', "csrf": f'value="{secrets.token_urlsafe(60)}"'}
    whole = slotted.fill(filled)
    assert len(slotted.slots) >= 4
    assert gzip.decompress(slotted.gzip(filled)) == whole
    assert len(slotted.gzip(filled)) <= len(gzip.compress(whole, compresslevel=GZIP_LEVEL)) + 20 * len(slotted.slots)


def test_a_missing_value_is_an_error_not_a_silent_gap() -> None:
    slotted = Slotted.cut(PAGE, PLACEHOLDERS)
    with pytest.raises(KeyError):
        slotted.gzip({"nonce": "x"})
