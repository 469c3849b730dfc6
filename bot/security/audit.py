"""The audit trail: who did what (to which case), when, through which channel, from which OS
account; never field values.

Entries form a chain keyed with an HMAC (bot.security.tokens.audit_key, kept outside the
database): each carries the HMAC of its fields and of the entry before, so whoever can write
the database but cannot read the key cannot change, remove or re-create entries unnoticed.
After each commit the newest entry is also written, signed, to an append-only file outside the
database (bot.security.audit_anchor), so that wiping or truncating the chain is found as well.
Rows are only ever inserted; on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pwd
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import Column, DateTime, Integer, String, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.security import audit_anchor
from bot.security.audit_actions import AuditAction
from bot.security.tokens import audit_key
from bot.storage.db import Base

GENESIS = "0" * 64
MAX_CASE_REF = 40
MAX_ORIGIN = 120
MAX_DETAIL = 300


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False)
    staff = Column(String(120), nullable=False)
    action = Column(String(40), nullable=False)
    case_ref = Column(String(MAX_CASE_REF), index=True)
    channel = Column(String(40), nullable=False)
    outcome = Column(String(20), nullable=False)  # "ok" or "refused"
    origin = Column(String(MAX_ORIGIN))  # OS account and host of the process that wrote the entry
    detail = Column(String(MAX_DETAIL))  # e.g. an export's destination, the staff member changed
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False)


class AuditLock(Base):
    """One row that every writer updates before reading the newest entry, which serialises
    writers on SQLite and PostgreSQL alike. It holds no hash: nothing is trusted from it."""

    __tablename__ = "audit_lock"

    id = Column(Integer, primary_key=True)
    writes = Column(Integer, nullable=False)


@lru_cache(maxsize=1)
def origin() -> str:
    """This process's OS account (from its uid, not from $USER, which the caller sets) and host."""
    try:
        user = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        user = f"uid {os.geteuid()}"
    return f"{user}@{socket.gethostname()}"[:MAX_ORIGIN]


def chain_digest(key: bytes, prev_hash: str, at: datetime, *fields: str | None) -> str:
    """The HMAC of one entry: the entry before, the time (UTC, to the microsecond), the fields."""
    # SQLite hands datetimes back without a zone; they were written in UTC.
    utc = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    stamp = utc.replace(tzinfo=None).isoformat(timespec="microseconds")
    message = "\x1f".join([prev_hash, stamp, *(value or "" for value in fields)])
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _entry_digest(key: bytes, entry: AuditEntry) -> str:
    return chain_digest(
        key,
        entry.prev_hash,
        entry.at,
        entry.staff,
        entry.action,
        entry.case_ref,
        entry.channel,
        entry.outcome,
        entry.origin,
        entry.detail,
    )


def clean_case_ref(case_ref: str | None) -> str | None:
    """What a refused request named as a case, cut to the column (it may be any text typed)."""
    if not case_ref:
        return None
    return "".join(ch if ch.isprintable() else "?" for ch in case_ref)[:MAX_CASE_REF]


def record(
    session: Session,
    *,
    staff: str,
    action: AuditAction | str,
    case_ref: str | None,
    channel: str,
    outcome: str = "ok",
    detail: str | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's transaction: it commits or rolls back with the change."""
    action = AuditAction(action)  # only known actions; a typo fails here, not in a report later
    newest = _newest_in_transaction(session)
    if newest is None:  # the transaction's first entry: take the writers' lock, then read the head
        session.execute(update(AuditLock).where(AuditLock.id == 1).values(writes=AuditLock.writes + 1))
        last = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
        newest = audit_anchor.Head(0, last or GENESIS)
    entry = AuditEntry(
        at=datetime.now(timezone.utc),
        staff=str(staff)[:120],
        action=action.value,
        case_ref=clean_case_ref(case_ref),
        channel=channel[:40],
        outcome=outcome,
        origin=origin(),
        detail=detail[:MAX_DETAIL] if detail else None,
        prev_hash=newest.hash,
    )
    entry.hash = _entry_digest(audit_key(), entry)
    session.add(entry)
    session.flush()  # the id, for the anchor written once the transaction commits (below)
    session.info[_NEWEST] = (session.get_transaction(), audit_anchor.Head(entry.id, entry.hash))
    return entry


# The newest entry this session's transaction wrote: the next entry in it follows that one
# without a query (the lock is held already), and it is anchored when the transaction commits.
_NEWEST = "audit_newest"


def _newest_in_transaction(session: Session) -> audit_anchor.Head | None:
    transaction, head = session.info.get(_NEWEST, (None, None))
    return head if transaction is not None and transaction is session.get_transaction() else None


def record_event(sessions: sessionmaker, **fields) -> None:
    """Record one entry in a transaction of its own: logins, refusals, operators' commands."""
    with sessions.begin() as session:
        record(session, **fields)


@event.listens_for(Session, "after_commit")
def _anchor_after_commit(session: Session) -> None:
    head = _newest_in_transaction(session)  # the committing transaction is still the current one here
    session.info.pop(_NEWEST, None)
    if head is not None:
        audit_anchor.append(head, database_tag(session))


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _transaction) -> None:
    # Any rollback, a savepoint's too, may have taken entries with it: read the head again.
    session.info.pop(_NEWEST, None)


def database_tag(session: Session) -> str:
    """Which database a chain lives in, for its anchors: several may share one var/audit/."""
    bind = session.get_bind()
    url = getattr(bind, "engine", bind).url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""
    head: audit_anchor.Head = audit_anchor.Head(0, GENESIS)


def verify(session: Session, operator_anchor: audit_anchor.Head | None = None) -> Verification:
    """Check every entry's HMAC and link, then that every anchor (the signed file's, and the one
    an operator kept, if given) still names an entry with the same hash."""
    key = audit_key()
    try:
        anchors = audit_anchor.read(database_tag(session))
    except audit_anchor.AnchorError as error:
        return Verification(False, 0, None, str(error))
    if operator_anchor is not None and operator_anchor.seq:
        anchors.append(operator_anchor)
    expected: dict[int, set[str]] = {}
    for anchor in anchors:
        expected.setdefault(anchor.seq, set()).add(anchor.hash)
    expected_prev, checked, previous_id = GENESIS, 0, 0
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        if entry.prev_hash != expected_prev:
            return Verification(False, checked, entry.id, f"an entry before #{entry.id} was removed or changed")
        if _entry_digest(key, entry) != entry.hash:
            return Verification(False, checked, entry.id, f"entry #{entry.id} was changed")
        if expected.pop(entry.id, {entry.hash}) != {entry.hash}:
            return Verification(
                False, checked, entry.id, f"entry #{entry.id} differs from its anchor: the chain was rewritten"
            )
        expected_prev, previous_id = entry.hash, entry.id
        checked += 1
    if expected:
        missing = min(expected)
        return Verification(
            False,
            checked,
            missing,
            f"entry #{missing}, named by an anchor, is missing: entries were removed or the chain was wiped",
        )
    return Verification(True, checked, head=audit_anchor.Head(previous_id, expected_prev))


def entries(
    session: Session, *, case_ref: str | None = None, staff: str | None = None, limit: int = 200
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if case_ref:
        query = query.where(AuditEntry.case_ref == case_ref)
    if staff:
        query = query.where(AuditEntry.staff == staff)
    return list(session.execute(query).scalars())
