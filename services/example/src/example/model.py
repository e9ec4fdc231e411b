"""An access request as stored, and its human-friendly reference. Pure logic, no I/O."""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import asdict, dataclass

# Crockford-style: no 0/O, 1/I/L or U, so a reference read over the phone is not misheard.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_PREFIX = "RA"
_REFERENCE = re.compile(rf"^(?:{REFERENCE_PREFIX})?([{REFERENCE_ALPHABET}]{{8}})$")

ORGANISATIONS = {
    "ministryofjustice": "ministryofjustice GitHub organisation",
    "moj-analytical-services": "moj-analytical-services GitHub organisation",
    "ministryofjustice-test": "ministryofjustice-test GitHub organisation",
}
RECEIVED = "Received"
APPROVED = "Approved"
REJECTED = "Rejected"
STATUSES = (RECEIVED, APPROVED, REJECTED)


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
    reference: str
    token: str
    full_name: str
    email: str
    organisation: str
    reason: str
    start_date: datetime.date
    submitted_at: datetime.datetime
    status: str = RECEIVED
    decision: Decision | None = None
    # Who did what and when, oldest first: the item's own audit trail (decisions are its only events so far).
    audit: tuple[Decision, ...] = ()

    @property
    def organisation_name(self) -> str:
        return ORGANISATIONS.get(self.organisation, self.organisation)

    def to_item(self, retention_days: int) -> dict[str, str | int]:
        """The DynamoDB item; ``Expires`` (epoch seconds) is the table's TTL attribute."""
        item: dict[str, str | int] = {
            key: value.isoformat() if isinstance(value, datetime.date) else value
            for key, value in asdict(self).items()
            if key not in ("decision", "audit")  # written by the decision's conditional update only
        }
        expires = self.submitted_at + datetime.timedelta(days=retention_days)
        item["Expires"] = int(expires.timestamp())
        return item

    @classmethod
    def from_item(cls, item: dict[str, object]) -> AccessRequest:
        return cls(
            reference=str(item["reference"]),
            token=str(item["token"]),
            full_name=str(item["full_name"]),
            email=str(item["email"]),
            organisation=str(item["organisation"]),
            reason=str(item["reason"]),
            start_date=datetime.date.fromisoformat(str(item["start_date"])),
            submitted_at=datetime.datetime.fromisoformat(str(item["submitted_at"])),
            status=str(item.get("status", RECEIVED)),
            decision=Decision.from_item(decision) if isinstance(decision := item.get("decision"), dict) else None,
            audit=tuple(Decision.from_item(event) for event in audit if isinstance(event, dict))
            if isinstance(audit := item.get("audit"), list)
            else (),
        )


def is_government_email(address: str) -> bool:
    """True for an address at a .gov.uk domain (justice.gov.uk, digital.justice.gov.uk, cabinetoffice.gov.uk…).

    One rule everyone can read: Operations Engineering grants access to civil
    servants, whose work addresses all sit under .gov.uk.
    """
    _, at, domain = address.rpartition("@")
    return bool(at) and domain.lower().rstrip(".").endswith(".gov.uk")
