"""Case store service: save an intake, look cases up, change status, add notes.

Each public function runs in one transaction: it commits whole or leaves nothing behind.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.cases.models import STATUSES, TRANSITIONS, Case, CaseNote, CaseReferral, CaseSequence, StatusChange
from bot.intake import fields as f

REFERENCE = re.compile(r"\bPRR-(\d{4})-(\d{4,6})\b", re.IGNORECASE)
MAX_NOTE_CHARS = 2000
MAX_REASON_CHARS = 500


class CaseError(ValueError):
    """A request the store refuses, with a message fit to show the staff member."""


def normalise_reference(text: str) -> str | None:
    match = REFERENCE.search(text or "")
    return f"PRR-{match.group(1)}-{match.group(2)}" if match else None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _next_reference(session: Session, year: int) -> str:
    # One UPDATE ... SET n = n + 1 is atomic on SQLite and PostgreSQL alike, so two servers
    # saving at once never get the same number.
    bumped = session.execute(
        update(CaseSequence).where(CaseSequence.year == year).values(last_number=CaseSequence.last_number + 1)
    ).rowcount
    if not bumped:
        try:
            with session.begin_nested():
                session.add(CaseSequence(year=year, last_number=1))
        except IntegrityError:
            return _next_reference(session, year)
    number = session.execute(select(CaseSequence.last_number).where(CaseSequence.year == year)).scalar_one()
    return f"PRR-{year}-{number:04d}"


def _columns(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Slot values of a finished intake -> typed column values."""
    a = {name: answers.get(name) for name in f.FIELD_NAMES}
    dob = a["date_of_birth"]
    ret = a["return_date"]
    tcz = a["time_in_conflict_zone"]
    cols = {k: a[k] for k in ("intake_type", "full_name", "sex", "nationality", "nationality_verification", "role",
                              "association", "legal_status", "health_needs", "psychosocial_needs", "caregiver",
                              "unaccompanied", "schooling", "accompanying_children", "risk_tool", "consent", "notes",
                              "estimated_age")}
    cols["date_of_birth"] = date.fromisoformat(dob) if dob and dob != "unknown" else None
    cols["return_date"] = date.fromisoformat(ret + "-01" if len(ret) == 7 else ret) if ret else None
    cols["return_date_precision"] = ("month" if len(ret) == 7 else "day") if ret else None
    cols["time_in_conflict_zone_months"] = tcz if isinstance(tcz, int) else None
    cols["time_in_conflict_zone_unknown"] = True if tcz == "unknown" else (False if isinstance(tcz, int) else None)
    return cols


class CaseStore:
    def __init__(self, session_factory: sessionmaker):
        self._sessions = session_factory

    def save_intake(self, answers: Mapping[str, Any], *, staff: str, channel: str) -> str:
        """Write a confirmed intake as a new case; returns its reference."""
        missing = [x.label for x in f.applicable(answers) if x.required and answers.get(x.name) in (None, f.SKIPPED)]
        if missing:
            raise CaseError(f"The intake is missing required answers: {', '.join(missing)}.")
        now = _now()
        with self._sessions.begin() as session:
            reference = _next_reference(session, now.year)
            case = Case(reference=reference, status="intake", created_by=staff, channel=channel,
                        created_at=now, updated_at=now, **_columns(answers))
            case.referrals = [CaseReferral(referral=r) for r in (answers.get("referrals") or [])]
            case.status_changes = [StatusChange(changed_by=staff, channel=channel, changed_at=now,
                                                from_status=None, to_status="intake", reason="intake interview")]
            session.add(case)
        return reference

    def get(self, reference: str) -> Case | None:
        with self._sessions() as session:
            return session.execute(
                select(Case).where(Case.reference == reference.upper())
                .options(selectinload(Case.referrals), selectinload(Case.case_notes), selectinload(Case.status_changes))
            ).scalar_one_or_none()

    def list_for(self, staff: str | None = None, limit: int = 50) -> list[Case]:
        with self._sessions() as session:
            query = select(Case).order_by(Case.id.desc()).limit(limit)
            if staff is not None:
                query = query.where(Case.created_by == staff)
            return list(session.execute(query).scalars())

    def change_status(self, reference: str, new_status: str, reason: str, *, staff: str, channel: str) -> Case:
        new_status = (new_status or "").strip().lower()
        reason = " ".join((reason or "").split())
        if new_status not in STATUSES:
            raise CaseError(f"“{new_status}” is not a status. Statuses: {', '.join(STATUSES)}.")
        if not reason:
            raise CaseError("Please give a reason, for example: move PRR-2026-0007 to screening because identity is confirmed.")
        if len(reason) > MAX_REASON_CHARS:
            raise CaseError(f"The reason is too long: at most {MAX_REASON_CHARS} characters.")
        with self._sessions.begin() as session:
            case = self._locked(session, reference)
            allowed = TRANSITIONS[case.status]
            if new_status not in allowed:
                nxt = " or ".join(allowed) if allowed else "nothing (the case is closed)"
                raise CaseError(f"{case.reference} is in {case.status}; it can move to {nxt}.")
            now = _now()
            session.add(StatusChange(case_id=case.id, changed_by=staff, channel=channel, changed_at=now,
                                     from_status=case.status, to_status=new_status, reason=reason))
            case.status, case.updated_at = new_status, now
        return self.get(reference)

    def add_note(self, reference: str, text: str, *, staff: str, channel: str) -> Case:
        text = (text or "").strip()
        if not text:
            raise CaseError("The note is empty. Write it after a colon: add a note to PRR-2026-0007: met the family.")
        if len(text) > MAX_NOTE_CHARS:
            raise CaseError(f"A note can be at most {MAX_NOTE_CHARS:,} characters; this one has {len(text):,}.")
        with self._sessions.begin() as session:
            case = self._locked(session, reference)
            now = _now()
            session.add(CaseNote(case_id=case.id, author=staff, channel=channel, created_at=now, text=text))
            case.updated_at = now
        return self.get(reference)

    @staticmethod
    def _locked(session: Session, reference: str) -> Case:
        case = session.execute(
            select(Case).where(Case.reference == reference.upper()).with_for_update()
        ).scalar_one_or_none()
        if case is None:
            raise CaseError(f"No case {reference.upper()} was found.")
        return case
