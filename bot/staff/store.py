"""Manage staff and check who is allowed in."""

from __future__ import annotations

import builtins
import re
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.language.catalogue import Worded
from bot.security import audit
from bot.security.audit import AuditAction
from bot.staff.models import ROLES, AccessRefusal, Actor, Role, Staff

_NAME = re.compile(r"^[\w.\-]{2,80}$")


MIN_PASSWORD = 12
MAX_PASSWORD = 128
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
REFUSAL_WINDOW = timedelta(days=1)
_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified against when there is no real hash to check (unknown, disabled or paused name), so
# every refusal costs the same argon2 work as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(24))

# One answer for every refused login (a catalogue id): it must not tell whether the name exists or is paused.
LOGIN_REFUSED = "staff.login_refused"
UNKNOWN_STAFF = "unknown"  # the audit's "staff" for a login with a name nobody has


class LoginRefused(Worded, PermissionError):
    """A refused login; the message does not say whether the name exists."""


def login_refusal() -> LoginRefused:
    return LoginRefused(LOGIN_REFUSED, attempts=MAX_FAILED_LOGINS, minutes=LOCKOUT.seconds // 60)


class StaffError(ValueError):
    """A staff change that cannot be made, with a message for the operator."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise StaffError(f"A password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters.")


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
            staff.session_epoch = (staff.session_epoch or 0) + 1  # ends their web sessions
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

    def web_session_holder(self, staff_id: str, epoch: int) -> Staff | None:
        """The staff member behind a web session, while they are active and the session's epoch
        is current (a password change or a disable since the login ends it)."""
        member = self.active_by_id(staff_id)
        return member if member is not None and member.session_epoch == epoch else None

    def set_password(self, name: str, password: str, *, by: str = "system", channel: str = "cli") -> None:
        _check_password(password)
        with self._sessions.begin() as session:
            staff = session.execute(select(Staff).where(Staff.name == name)).scalar_one_or_none()
            if staff is None:
                raise StaffError(f"No staff member named {name!r}.")
            staff.password_hash = _hasher.hash(password)
            staff.failed_logins, staff.locked_until = 0, None
            staff.session_epoch = (staff.session_epoch or 0) + 1  # sessions under the old password end
            audit.record(
                session, staff=by, action=AuditAction.STAFF_SET_PASSWORD, case_ref=None, channel=channel, detail=name
            )

    def login(self, name: str, password: str, channel: str = "web") -> Staff:
        """The staff member, if the name and password match and the name is not paused.

        The attempt is counted before the password is checked, in one UPDATE, so concurrent
        guesses each count; the sixth attempt since the last success pauses the name. Every
        refusal does one argon2 verification and says the same thing."""
        name, password = (name or "").strip(), password or ""
        staff, claimed = self._claim_attempt(name, _now())
        if staff is None or not claimed or len(password) > MAX_PASSWORD:
            _verifies(_DUMMY_HASH, password)
            action = AuditAction.LOGIN_FAILED if staff is None or claimed else AuditAction.LOGIN_LOCKED
            self._audit(staff.sender_id if staff else UNKNOWN_STAFF, action, channel)
            raise login_refusal()
        if not _verifies(staff.password_hash, password):
            self._audit(staff.sender_id, AuditAction.LOGIN_FAILED, channel)
            raise login_refusal()
        with self._sessions.begin() as session:
            member = session.get(Staff, staff.id)
            member.failed_logins, member.locked_until = 0, None
            if _hasher.check_needs_rehash(member.password_hash):
                member.password_hash = _hasher.hash(password)
            audit.record(session, staff=member.sender_id, action=AuditAction.LOGIN, case_ref=None, channel=channel)
        return member

    def _claim_attempt(self, name: str, now: datetime) -> tuple[Staff | None, bool]:
        """(the active staff member with a password, or None; whether this attempt may check it)."""
        with self._sessions.begin() as session:
            counted = session.execute(
                update(Staff)
                .where(
                    Staff.name == name,
                    Staff.active.is_(True),
                    Staff.password_hash.isnot(None),
                    or_(Staff.locked_until.is_(None), Staff.locked_until <= now),
                )
                .values(failed_logins=Staff.failed_logins + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            staff = session.execute(
                select(Staff).where(Staff.name == name, Staff.active.is_(True), Staff.password_hash.isnot(None))
            ).scalar_one_or_none()
            if staff is None or not counted:
                return staff, False
            if staff.failed_logins > MAX_FAILED_LOGINS:
                staff.locked_until, staff.failed_logins = now + LOCKOUT, 0
                return staff, False
            return staff, True

    def _audit(self, staff: str, action: AuditAction, channel: str) -> None:
        with self._sessions.begin() as session:
            audit.record(session, staff=staff, action=action, case_ref=None, channel=channel, outcome="refused")

    def record_refusal(self, channel: str, external_id: str, display_name: str | None) -> bool:
        """Record an attempt by someone not registered (or disabled). Attempts from the same
        account within a day add to one row. True for the first of them: the one to answer."""
        now, external_id = _now(), str(external_id)[:80]
        with self._sessions.begin() as session:
            counted = session.execute(
                update(AccessRefusal)
                .where(
                    AccessRefusal.channel == channel,
                    AccessRefusal.external_id == external_id,
                    AccessRefusal.at > now - REFUSAL_WINDOW,
                )
                .values(attempts=AccessRefusal.attempts + 1, last_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if counted:
                return False
            session.add(
                AccessRefusal(
                    channel=channel,
                    external_id=external_id,
                    display_name=(display_name or "")[:200] or None,
                    at=now,
                    attempts=1,
                    last_at=now,
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
        return True

    def refusals(self, limit: int = 100) -> builtins.list[AccessRefusal]:  # `list` is a method here
        with self._sessions() as session:
            return list(session.execute(select(AccessRefusal).order_by(AccessRefusal.id.desc()).limit(limit)).scalars())


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False
