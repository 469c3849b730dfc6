"""Manage staff and check who is allowed in."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.cases.access import Actor
from bot.security import audit
from bot.security.audit import AuditAction
from bot.staff.models import ROLES, AccessRefusal, Role, Staff

_NAME = re.compile(r"^[\w.\-]{2,80}$")


MIN_PASSWORD = 10
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


class LoginRefused(PermissionError):
    """A refused login; the message does not say whether the name exists."""


class StaffError(ValueError):
    """A staff change that cannot be made, with a message for the operator."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite drops the zone


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise StaffError(f"A password needs at least {MIN_PASSWORD} characters.")


class StaffStore:
    def __init__(self, session_factory: sessionmaker):
        self._sessions = session_factory

    def add(
        self,
        name: str,
        role: str,
        telegram_id: int | None = None,
        *,
        by: str = "system",
        channel: str = "cli",
        first_admin_password: str | None = None,
    ) -> Staff:
        """Register a staff member; `by` is the admin's staff id, audited with the change.

        With `first_admin_password` it adds the very first admin (and their password), and only
        while there is no active admin: how a fresh installation gets its first one."""
        name = (name or "").strip()
        if not _NAME.match(name):
            raise StaffError("A staff name is 2 to 80 letters, digits, dots, hyphens or underscores, without spaces.")
        if role not in ROLES:
            raise StaffError(f"Unknown role {role!r}. Roles: {', '.join(ROLES)}.")
        if telegram_id is not None and telegram_id <= 0:
            raise StaffError("A Telegram id is a positive whole number (the user's numeric id, not the @username).")
        if first_admin_password is not None:
            _check_password(first_admin_password)
        try:
            with self._sessions.begin() as session:
                if first_admin_password is not None:
                    if role != Role.ADMIN or self._has_active_admin(session):
                        raise StaffError("An admin exists already: add staff as that admin, with --as ADMIN.")
                staff = Staff(name=name, role=role, telegram_id=telegram_id, active=True, created_at=_now())
                if first_admin_password is not None:
                    staff.password_hash, by = _hasher.hash(first_admin_password), "first admin"
                session.add(staff)
                audit.record(
                    session,
                    staff=by,
                    action=AuditAction.STAFF_ADD,
                    case_ref=None,
                    channel=channel,
                    detail=f"{name} as {role}",
                )
        except IntegrityError:
            raise StaffError(f"A staff member named {name!r} or with that Telegram id already exists.") from None
        return staff

    def list(self) -> list[Staff]:
        with self._sessions() as session:
            return list(session.execute(select(Staff).order_by(Staff.name)).scalars())

    def disable(self, name: str, *, by: str = "system", channel: str = "cli") -> Staff:
        with self._sessions.begin() as session:
            staff = session.execute(select(Staff).where(Staff.name == name)).scalar_one_or_none()
            if staff is None:
                raise StaffError(f"No staff member named {name!r}.")
            staff.active = False
            audit.record(
                session, staff=by, action=AuditAction.STAFF_DISABLE, case_ref=None, channel=channel, detail=name
            )
        return staff

    def has_active_admin(self) -> bool:
        with self._sessions() as session:
            return self._has_active_admin(session)

    @staticmethod
    def _has_active_admin(session) -> bool:
        query = select(Staff.id).where(Staff.role == Role.ADMIN.value, Staff.active.is_(True)).limit(1)
        return session.execute(query).first() is not None

    def by_name(self, name: str) -> Staff | None:
        """A staff member, active or disabled (audit reports name both)."""
        with self._sessions() as session:
            return session.execute(select(Staff).where(Staff.name == name)).scalar_one_or_none()

    def active_by_id(self, staff_id: str) -> Staff | None:
        if not str(staff_id).isdigit():
            return None
        with self._sessions() as session:
            return session.execute(
                select(Staff).where(Staff.id == int(staff_id), Staff.active.is_(True))
            ).scalar_one_or_none()

    def active_by_name(self, name: str) -> Staff | None:
        with self._sessions() as session:
            return session.execute(select(Staff).where(Staff.name == name, Staff.active.is_(True))).scalar_one_or_none()

    def actor(self, staff_id: str) -> Actor | None:
        """The staff member behind a conversation id, as the case store's Actor (None if unknown)."""
        member = self.active_by_id(staff_id)
        return Actor(member.sender_id, member.role, member.name) if member else None

    def active_by_telegram_id(self, telegram_id: int) -> Staff | None:
        with self._sessions() as session:
            return session.execute(
                select(Staff).where(Staff.telegram_id == telegram_id, Staff.active.is_(True))
            ).scalar_one_or_none()

    def set_password(self, name: str, password: str, *, by: str = "system", channel: str = "cli") -> None:
        _check_password(password)
        with self._sessions.begin() as session:
            staff = session.execute(select(Staff).where(Staff.name == name)).scalar_one_or_none()
            if staff is None:
                raise StaffError(f"No staff member named {name!r}.")
            staff.password_hash = _hasher.hash(password)
            staff.failed_logins, staff.locked_until = 0, None
            audit.record(
                session, staff=by, action=AuditAction.STAFF_SET_PASSWORD, case_ref=None, channel=channel, detail=name
            )

    def login(self, name: str, password: str) -> Staff:
        """The staff member, if the name and password match and the name is not locked."""
        now = _now()
        refusal = None
        with self._sessions.begin() as session:  # commits the failure count even when refusing
            staff = session.execute(select(Staff).where(Staff.name == (name or "").strip())).scalar_one_or_none()
            if staff is None or not staff.active or not staff.password_hash:
                _hasher.hash(password or "")  # same time as a real check: no hint that the name exists
                refusal = "Wrong name or password."
            elif staff.locked_until is not None and _aware(staff.locked_until) > now:
                refusal = "Too many failed attempts: this name is locked for a while. Try again later."
            else:
                try:
                    _hasher.verify(staff.password_hash, password or "")
                except (VerifyMismatchError, InvalidHashError):
                    staff.failed_logins = (staff.failed_logins or 0) + 1
                    if staff.failed_logins >= MAX_FAILED_LOGINS:
                        staff.locked_until, staff.failed_logins = now + LOCKOUT, 0
                    refusal = "Wrong name or password."
                else:
                    staff.failed_logins, staff.locked_until = 0, None
                    if _hasher.check_needs_rehash(staff.password_hash):
                        staff.password_hash = _hasher.hash(password)
        if refusal:
            raise LoginRefused(refusal)
        return staff

    def login_audited(self, name: str, password: str, *, channel: str) -> Staff:
        """`login`, with the outcome in the audit trail: login, login_failed or login_locked.
        The channel is the one this process serves (e.g. "cli", "web"), never the caller's claim."""
        try:
            staff = self.login(name, password)
        except LoginRefused:
            known = self.by_name((name or "").strip())
            locked = known is not None and known.locked_until is not None and _aware(known.locked_until) > _now()
            audit.record_event(
                self._sessions,
                staff=known.sender_id if known else "unknown",
                action=AuditAction.LOGIN_LOCKED if locked else AuditAction.LOGIN_FAILED,
                case_ref=None,
                channel=channel,
                outcome="refused",
            )
            raise
        audit.record_event(
            self._sessions, staff=staff.sender_id, action=AuditAction.LOGIN, case_ref=None, channel=channel
        )
        return staff

    def record_refusal(self, channel: str, external_id: str, display_name: str | None) -> None:
        with self._sessions.begin() as session:
            session.add(
                AccessRefusal(
                    channel=channel,
                    external_id=str(external_id)[:80],
                    display_name=(display_name or "")[:200] or None,
                    at=_now(),
                )
            )
            # In the chain too (the table above keeps the display name, which the chain never does).
            detail = f"{channel} id {str(external_id)[:80]}"
            audit.record(
                session,
                staff="unknown",
                action=AuditAction.ACCESS_REFUSED,
                case_ref=None,
                channel=channel,
                outcome="refused",
                detail=detail,
            )

    def refusals(self, limit: int = 100) -> list[AccessRefusal]:
        with self._sessions() as session:
            return list(session.execute(select(AccessRefusal).order_by(AccessRefusal.id.desc()).limit(limit)).scalars())
