"""Case store service: save an intake, look cases up, change status, add notes, assign, export, erase.

Each public function runs in one transaction: it commits whole or leaves nothing behind. Each
workflow is finished here, so that every channel gets the same behaviour: saving an intake or
cancelling one redacts the interview from the stored conversation; erasing a case deletes its
interview's conversation events and blanks every message and slot value that names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple, NoReturn

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.cases import access
from bot.cases.answers import CONTENT_COLUMNS, export_dict, to_columns
from bot.cases.models import STATUSES, TRANSITIONS, Case, CaseNote, CaseReferral, CaseSequence, CaseStatus, StatusChange
from bot.cases.views import status_title
from bot.conversations.redaction import ConversationEvents
from bot.intake import fields as f
from bot.intake.flow import SLOTS
from bot.language.catalogue import Worded
from bot.language.catalogue import text as say
from bot.security import audit
from bot.security.audit import AuditAction
from bot.staff.models import Actor

REFERENCE = re.compile(r"\bPRR-(\d{4})-(\d{4,6})\b", re.IGNORECASE)
MAX_NOTE_CHARS = 2000
MAX_REASON_CHARS = 500
# The turn that saves a case stores its own events just after the case is written.
SAVING_TURN_SECONDS = 5


class Erasure(NamedTuple):
    case: Case
    events_deleted: int  # the interview's conversation events
    events_redacted: int  # messages and slot values elsewhere that named the case (notes, reasons)


class CaseError(Worded, ValueError):
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


class CaseStore:
    """Every operation checks the actor's role (bot.cases.access) and writes the audit trail."""

    def __init__(self, session_factory: sessionmaker, conversation_events: ConversationEvents | None = None):
        self._sessions = session_factory
        # Rasa's events live in the same database unless told otherwise.
        self._conversations = conversation_events or ConversationEvents(session_factory.kw["bind"], SLOTS)

    def save_intake(
        self, answers: Mapping[str, Any], *, actor: Actor, channel: str, intake_started_at: datetime | None = None
    ) -> str:
        """Write a confirmed intake as a new case; returns its reference."""
        self._require(actor, access.CREATE, None, None, channel)
        missing = [x.label() for x in f.applicable(answers) if x.required and answers.get(x.name) in (None, f.SKIPPED)]
        if missing:
            raise CaseError("case.missing_answers", fields=", ".join(missing))
        now = _now()
        with self._sessions.begin() as session:
            reference = _next_reference(session, now.year)
            case = Case(
                reference=reference,
                status=CaseStatus.INTAKE.value,
                created_by=actor.staff_id,
                channel=channel,
                created_at=now,
                updated_at=now,
                intake_started_at=intake_started_at,
                **to_columns(answers),
            )
            case.referrals = [CaseReferral(referral=r) for r in (answers.get("referrals") or [])]
            case.status_changes = [
                StatusChange(
                    changed_by=actor.staff_id,
                    channel=channel,
                    changed_at=now,
                    from_status=None,
                    to_status=CaseStatus.INTAKE.value,
                    reason="intake interview",
                )
            ]
            session.add(case)
            _audited(session, actor, AuditAction.CREATE, reference, channel)
        self.forget_interview(actor.staff_id, intake_started_at)
        return reference

    def forget_interview(self, sender_id: str, intake_started_at: datetime | None) -> None:
        """Blank a finished or cancelled interview's messages and answers in the stored conversation."""
        if intake_started_at is not None:
            self._conversations.redact(sender_id, intake_started_at.timestamp())

    def check_may_create(self, *, actor: Actor | None, channel: str) -> None:
        """Refuse (and audit) before an interview starts rather than after it is finished."""
        self._require(actor, access.CREATE, None, None, channel)

    def get(self, reference: str, *, actor: Actor, channel: str) -> Case:
        """One case with notes and history, if this actor may see it; else NotPermitted."""
        reference = (reference or "").upper()
        with self._sessions.begin() as session:
            case = session.execute(
                select(Case)
                .where(Case.reference == reference)
                .options(selectinload(Case.referrals), selectinload(Case.case_notes), selectinload(Case.status_changes))
            ).scalar_one_or_none()
            if case is not None and access.allowed(actor, access.READ, case):
                _audited(session, actor, AuditAction.READ, reference, channel)
                return case
        self._refused(actor, access.READ, reference, channel)

    def list_for(self, *, actor: Actor, channel: str, limit: int = 50) -> list[Case]:
        """The cases this actor may see: created (intake), assigned (case manager), all (supervisor)."""
        self._require(actor, access.LIST, None, None, channel)
        with self._sessions.begin() as session:
            query = (
                select(Case)
                .where(Case.erased_at.is_(None), access.visible_filter(actor))
                .order_by(Case.id.desc())
                .limit(limit)
            )
            cases = list(session.execute(query).scalars())
            # One entry per case shown (a listing shows names), or one naming none.
            for reference in [c.reference for c in cases] or [None]:
                _audited(session, actor, AuditAction.LIST, reference, channel)
        return cases

    def change_status(self, reference: str, new_status: str, reason: str, *, actor: Actor, channel: str) -> Case:
        new_status = (new_status or "").strip().lower()
        reason = " ".join((reason or "").split())
        with self._sessions.begin() as session:
            case = self._locked(session, reference, actor, access.UPDATE, channel)
            if new_status not in STATUSES:
                statuses = ", ".join(status_title(s) for s in STATUSES)
                raise CaseError("case.no_such_status", status=new_status, statuses=statuses)
            if not reason:
                raise CaseError("case.reason_needed")
            if len(reason) > MAX_REASON_CHARS:
                raise CaseError("case.reason_too_long", max_chars=MAX_REASON_CHARS)
            allowed = TRANSITIONS[case.status]
            if new_status not in allowed:
                titles = [status_title(s) for s in allowed]
                nxt = say("case.or").join(titles) if allowed else say("case.closed_moves_nowhere")
                raise CaseError(
                    "case.cannot_move", reference=case.reference, status=status_title(case.status), allowed=nxt
                )
            now = _now()
            session.add(_status_change(case, actor, channel, now, new_status, reason))
            case.status, case.updated_at = new_status, now
            _audited(session, actor, AuditAction.STATUS_CHANGE, case.reference, channel)
            return _with_history(session, case)

    def add_note(self, reference: str, text: str, *, actor: Actor, channel: str) -> Case:
        text = (text or "").strip()
        with self._sessions.begin() as session:
            case = self._locked(session, reference, actor, access.UPDATE, channel)
            if not text:
                raise CaseError("case.note_empty")
            if len(text) > MAX_NOTE_CHARS:
                raise CaseError("case.note_too_long", max_chars=MAX_NOTE_CHARS, length=len(text))
            now = _now()
            session.add(CaseNote(case_id=case.id, author=actor.staff_id, channel=channel, created_at=now, text=text))
            case.updated_at = now
            _audited(session, actor, AuditAction.NOTE, case.reference, channel)
            return _with_history(session, case)

    def assign(self, reference: str, case_manager_id: str, *, actor: Actor, channel: str) -> None:
        with self._sessions.begin() as session:
            case = self._locked(session, reference, actor, access.ASSIGN, channel)
            case.assigned_to, case.updated_at = case_manager_id, _now()
            _audited(session, actor, AuditAction.ASSIGN, case.reference, channel)

    def export(self, reference: str, *, actor: Actor, channel: str, destination: str = "") -> dict:
        """One case with notes and history as plain data, for an authorised supervisor; the
        audit entry names the destination (a file, or the screen)."""
        with self._sessions.begin() as session:
            case = self._locked(session, reference, actor, access.EXPORT, channel)
            data = export_dict(case)
            detail = f"to {destination}" if destination else None
            _audited(session, actor, AuditAction.EXPORT, case.reference, channel, detail)
        return data

    def erase(self, reference: str, reason: str, *, actor: Actor, channel: str) -> Erasure:
        """Remove a case's content, notes and referrals, delete its interview's conversation events
        and blank, in every stored conversation, what was typed about it (notes and reasons name
        the reference); the reference and the audit trail stay."""
        reason = " ".join((reason or "").split())
        with self._sessions.begin() as session:
            case = self._locked(session, reference, actor, access.ERASE, channel)
            if not reason:
                raise CaseError("case.erasure_needs_reason")
            for name in CONTENT_COLUMNS:
                setattr(case, name, None)
            case.referrals, case.case_notes = [], []
            for change in case.status_changes:
                change.reason = "[erased]"
            now = _now()
            case.erased_at = case.updated_at = now
            session.add(_status_change(case, actor, channel, now, case.status, f"erased: {reason}"))
            _audited(session, actor, AuditAction.ERASE, case.reference, channel)
        deleted = 0
        if case.intake_started_at is not None:
            deleted = self._conversations.delete_between(
                case.created_by, case.intake_started_at.timestamp(), case.created_at.timestamp() + SAVING_TURN_SECONDS
            )
        return Erasure(case, deleted, self._conversations.redact_mentions(case.reference))

    # -- the checks ---------------------------------------------------------------------------

    def _require(
        self, actor: Actor | None, action: str, case: Case | None, reference: str | None, channel: str
    ) -> None:
        if not access.allowed(actor, action, case):
            self._refused(actor, action, reference, channel)

    def _refused(self, actor: Actor | None, action: str, reference: str | None, channel: str) -> NoReturn:
        # Recorded in its own transaction, so that it stays when the refused work is rolled back.
        with self._sessions.begin() as session:
            audit.record(
                session,
                staff=actor.staff_id if actor else "unknown",
                action=action,
                case_ref=reference,
                channel=channel,
                outcome="refused",
            )
        raise access.NotPermitted

    def _locked(self, session: Session, reference: str, actor: Actor, action: str, channel: str) -> Case:
        reference = (reference or "").upper()
        case = session.execute(select(Case).where(Case.reference == reference).with_for_update()).scalar_one_or_none()
        if case is None or case.erased_at is not None or not access.allowed(actor, action, case):
            session.rollback()
            self._refused(actor, action, reference, channel)
        return case


def _audited(session: Session, actor: Actor, action: AuditAction, reference: str | None, channel: str, detail=None):
    audit.record(session, staff=actor.staff_id, action=action, case_ref=reference, channel=channel, detail=detail)


def _with_history(session: Session, case: Case) -> Case:
    """The updated case with notes, referrals and history loaded, in the same transaction (no second read)."""
    session.flush()
    session.expire(case, ["referrals", "case_notes", "status_changes"])
    _ = case.referrals, case.case_notes, case.status_changes  # loaded now, readable after the commit
    return case


def _status_change(case: Case, actor: Actor, channel: str, at: datetime, to: str, reason: str) -> StatusChange:
    """One line of a case's status history: who moved it from its current status to `to`, and why."""
    return StatusChange(
        case_id=case.id,
        changed_by=actor.staff_id,
        channel=channel,
        changed_at=at,
        from_status=case.status,
        to_status=to,
        reason=reason,
    )
