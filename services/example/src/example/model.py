"""An access request as stored, and its human-friendly reference. Pure logic, no I/O."""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from flask_babel import LazyString, lazy_gettext

# Crockford-style: no 0/O, 1/I/L or U, so a reference read over the phone is not misheard.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_PREFIX = "RA"
_REFERENCE = re.compile(rf"^(?:{REFERENCE_PREFIX})?([{REFERENCE_ALPHABET}]{{8}})$")

# Requests store the code; the name is shown in the reader's language.
ORGANISATIONS = {
    "ministryofjustice": lazy_gettext("ministryofjustice GitHub organisation"),
    "moj-analytical-services": lazy_gettext("moj-analytical-services GitHub organisation"),
    "ministryofjustice-test": lazy_gettext("ministryofjustice-test GitHub organisation"),
}
RECEIVED = "Received"  # statuses as stored, whatever the language the request was sent or decided in
APPROVED = "Approved"
REJECTED = "Rejected"
STATUSES = (RECEIVED, APPROVED, REJECTED)
STATUS_NAMES = {
    RECEIVED: lazy_gettext("Received"),
    APPROVED: lazy_gettext("Approved"),
    REJECTED: lazy_gettext("Rejected"),
}


def new_reference() -> str:
    """A random reference like ``RA-7K3M-9QXP`` (30**8, about 6.6e11, possibilities)."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{REFERENCE_PREFIX}-{body[:4]}-{body[4:]}"


def new_token() -> str:
    """A secret that proves a stored request came from this journey (for idempotent submits)."""
    return secrets.token_urlsafe(16)


def normalise_reference(text: str) -> str | None:
    """The canonical ``RA-XXXX-XXXX`` form of what a user typed, or None if it cannot be a reference.

    Case, spaces and hyphens are forgiven, and so is a missing ``RA`` prefix.
    """
    cleaned = re.sub(r"[\s\-]", "", text).upper()
    match = _REFERENCE.match(cleaned)
    if not match:
        return None
    body = match.group(1)
    return f"{REFERENCE_PREFIX}-{body[:4]}-{body[4:]}"


@dataclass(frozen=True)
class Decision:
    """A member of staff's decision on a request: one per request, and one audit event on its item."""

    outcome: str  # APPROVED or REJECTED
    by: str  # the name staff sign in with, as shown to other staff
    by_sub: str  # their stable id at the identity provider
    at: datetime.datetime
    reason: str | None = None  # required for a rejection, shown to the requester

    def to_item(self) -> dict[str, str]:
        item = {"outcome": self.outcome, "by": self.by, "by_sub": self.by_sub, "at": self.at.isoformat()}
        return {**item, "reason": self.reason} if self.reason else item

    @classmethod
    def from_item(cls, item: dict[str, object]) -> Decision:
        reason = item.get("reason")
        return cls(
            outcome=str(item["outcome"]),
            by=str(item["by"]),
            by_sub=str(item["by_sub"]),
            at=datetime.datetime.fromisoformat(str(item["at"])),
            reason=str(reason) if reason else None,
        )


@dataclass(frozen=True)
class AccessRequest:
    """A sent request: its identity and status, and the answers as the questions keep them (text)."""

    reference: str
    token: str
    answers: Mapping[str, str]  # question name -> answer as text; questions.py says how each one parses and reads
    submitted_at: datetime.datetime
    status: str = RECEIVED
    decision: Decision | None = None
    # Who did what and when, oldest first: the item's own audit trail (decisions are its only events so far).
    audit: tuple[Decision, ...] = ()

    # The item's own attributes; every other attribute is an answer. The decision and audit trail are
    # written by the decision's conditional update only (repository.decide), never by to_item.
    RESERVED: ClassVar[frozenset[str]] = frozenset(
        {"reference", "token", "submitted_at", "status", "Expires", "decision", "audit"}
    )

    def to_item(self, retention_days: int) -> dict[str, str | int]:
        """The DynamoDB item: one attribute per answer; ``Expires`` (epoch seconds) is the table's TTL attribute."""
        expires = self.submitted_at + datetime.timedelta(days=retention_days)
        return {
            **self.answers,
            "reference": self.reference,
            "token": self.token,
            "submitted_at": self.submitted_at.isoformat(),
            "status": self.status,
            "Expires": int(expires.timestamp()),
        }

    @classmethod
    def from_item(cls, item: Mapping[str, object]) -> AccessRequest:
        return cls(
            reference=str(item["reference"]),
            token=str(item["token"]),
            answers={name: str(value) for name, value in item.items() if name not in cls.RESERVED},
            submitted_at=datetime.datetime.fromisoformat(str(item["submitted_at"])),
            status=str(item.get("status", RECEIVED)),
            decision=Decision.from_item(decision) if isinstance(decision := item.get("decision"), dict) else None,
            audit=tuple(Decision.from_item(event) for event in audit if isinstance(event, dict))
            if isinstance(audit := item.get("audit"), list)
            else (),
        )


def organisation_name(code: str) -> str | LazyString:
    """How an organisation reads on a page, in the page's language; requests store its code."""
    return ORGANISATIONS.get(code, code)


def status_name(status: str) -> str | LazyString:
    """How a stored status reads on a page, in the page's language."""
    return STATUS_NAMES.get(status, status)


def is_government_email(address: str) -> bool:
    """True for an address at a .gov.uk domain (justice.gov.uk, digital.justice.gov.uk, cabinetoffice.gov.uk…).

    One rule everyone can read: Operations Engineering grants access to civil
    servants, whose work addresses all sit under .gov.uk.
    """
    _, at, domain = address.rpartition("@")
    return bool(at) and domain.lower().rstrip(".").endswith(".gov.uk")
