"""The audit trail: who did what to which case, when, through which channel; never field values.

Entries form a hash chain (each carries the hash of the one before), and a one-row head holds
the newest hash, so changing, removing or truncating entries is found by `verify`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Integer, String, select, update
from sqlalchemy.orm import Session

from bot.storage.db import Base

GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False)
    staff = Column(String(120), nullable=False)
    action = Column(String(40), nullable=False)
    case_ref = Column(String(40), index=True)
    channel = Column(String(40), nullable=False)
    outcome = Column(String(20), nullable=False)  # "ok" or "refused"
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False)


class AuditHead(Base):
    """One row: the newest hash. Updating it first serialises writers on SQLite and PostgreSQL."""

    __tablename__ = "audit_head"

    id = Column(Integer, primary_key=True)
    seq = Column(Integer, nullable=False)
    last_hash = Column(String(64), nullable=False)


def _digest(
    prev_hash: str, at: datetime, staff: str, action: str, case_ref: str | None, channel: str, outcome: str
) -> str:
    # SQLite hands datetimes back without a zone; they were written in UTC.
    utc = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    stamp = utc.replace(tzinfo=None).isoformat(timespec="microseconds")
    fields = [prev_hash, stamp, staff, action, case_ref or "", channel, outcome]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def record(
    session: Session, *, staff: str, action: str, case_ref: str | None, channel: str, outcome: str = "ok"
) -> None:
    """Append one entry inside the caller's transaction: it commits or rolls back with the change."""
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    at = datetime.now(timezone.utc)
    digest = _digest(head.last_hash, at, staff, action, case_ref, channel, outcome)
    session.add(
        AuditEntry(
            at=at,
            staff=staff,
            action=action,
            case_ref=case_ref,
            channel=channel,
            outcome=outcome,
            prev_hash=head.last_hash,
            hash=digest,
        )
    )
    head.last_hash = digest


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


def verify(session: Session) -> Verification:
    expected_prev = GENESIS
    checked = 0
    previous_id = 0
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        if entry.prev_hash != expected_prev:
            return Verification(
                False,
                checked,
                entry.id,
                f"an entry before #{entry.id} was removed or changed"
                if entry.id != previous_id + 1
                else f"entry #{entry.id} does not follow #{previous_id}",
            )
        if (
            _digest(entry.prev_hash, entry.at, entry.staff, entry.action, entry.case_ref, entry.channel, entry.outcome)
            != entry.hash
        ):
            return Verification(False, checked, entry.id, f"entry #{entry.id} was changed")
        expected_prev, previous_id = entry.hash, entry.id
        checked += 1
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is None or head.last_hash != expected_prev:
        return Verification(False, checked, previous_id + 1, f"entries after #{previous_id} were removed")
    return Verification(True, checked)


def entries(
    session: Session, *, case_ref: str | None = None, staff: str | None = None, limit: int = 200
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if case_ref:
        query = query.where(AuditEntry.case_ref == case_ref)
    if staff:
        query = query.where(AuditEntry.staff == staff)
    return list(session.execute(query).scalars())
