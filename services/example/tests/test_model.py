"""Pure logic: references, the email rule, the stored item. No I/O."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from example.model import (
    AccessRequest,
    is_government_email,
    new_reference,
    normalise_reference,
)


def test_new_references_are_readable_and_canonical() -> None:
    references = {new_reference() for _ in range(200)}
    assert len(references) == 200
    for reference in references:
        assert re.fullmatch(r"RA-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}", reference)
        assert normalise_reference(reference) == reference


@given(st.text(max_size=40))
def test_normalise_never_fails_and_only_returns_canonical_references(text: str) -> None:
    result = normalise_reference(text)
    assert result is None or re.fullmatch(r"RA-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}", result)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("ada@justice.gov.uk", True),
        ("ada@digital.justice.gov.uk", True),
        ("ADA@CABINETOFFICE.GOV.UK", True),
        ("ada@justice.gov.uk.", True),
        ("ada@gov.uk", False),  # no department's mail domain
        ("ada@notgov.uk", False),
        ("ada@gmail.com", False),
        ("ada@justice.gov.uk.evil.com", False),
        ("justice.gov.uk", False),
        ("ada.gov.uk@gmail.com", False),
    ],
)
def test_government_email_rule(address: str, expected: bool) -> None:
    assert is_government_email(address) is expected


def test_item_round_trip_and_expiry() -> None:
    submitted = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)
    request = AccessRequest(
        reference="RA-2345-6789",
        token="t",
        answers={"full_name": "Ada", "organisation": "ministryofjustice", "start_date": "2026-02-01"},
        submitted_at=submitted,
    )
    item = request.to_item(retention_days=10)
    assert item["Expires"] == int(datetime.datetime(2026, 1, 11, 12, 0, tzinfo=datetime.UTC).timestamp())
    assert item["start_date"] == "2026-02-01"  # each answer is an attribute of its own
    assert item["submitted_at"] == "2026-01-01T12:00:00+00:00"
    assert AccessRequest.from_item(dict(item)) == request
