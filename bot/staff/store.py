"""Manage staff and check who is allowed in."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.cases.access import Actor
from bot.staff.models import ROLES, AccessRefusal, Staff

_NAME = re.compile(r"^[\w.\-]{2,80}$")


class StaffError(ValueError):
    """A staff change that cannot be made, with a message for the operator."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


class StaffStore:
    def __init__(self, session_factory: sessionmaker):
        self._sessions = session_factory

    def add(self, name: str, role: str, telegram_id: int | None = None) -> Staff:
        name = (name or "").strip()
        if not _NAME.match(name):
            raise StaffError("A staff name is 2 to 80 letters, digits, dots, hyphens or underscores, without spaces.")
        if role not in ROLES:
            raise StaffError(f"Unknown role {role!r}. Roles: {', '.join(ROLES)}.")
        if telegram_id is not None and telegram_id <= 0:
            raise StaffError("A Telegram id is a positive whole number (the user's numeric id, not the @username).")
        try:
            with self._sessions.begin() as session:
                staff = Staff(name=name, role=role, telegram_id=telegram_id, active=True, created_at=_now())
                session.add(staff)
        except IntegrityError:
            raise StaffError(f"A staff member named {name!r} or with that Telegram id already exists.") from None
        return staff

    def list(self) -> list[Staff]:
        with self._sessions() as session:
            return list(session.execute(select(Staff).order_by(Staff.name)).scalars())

    def disable(self, name: str) -> Staff:
        with self._sessions.begin() as session:
            staff = session.execute(select(Staff).where(Staff.name == name)).scalar_one_or_none()
            if staff is None:
                raise StaffError(f"No staff member named {name!r}.")
            staff.active = False
        return staff

    def active_by_id(self, staff_id: str) -> Staff | None:
        if not str(staff_id).isdigit():
            return None
        with self._sessions() as session:
            return session.execute(
                select(Staff).where(Staff.id == int(staff_id), Staff.active.is_(True))
            ).scalar_one_or_none()

    def active_by_name(self, name: str) -> Staff | None:
        with self._sessions() as session:
            return session.execute(
                select(Staff).where(Staff.name == name, Staff.active.is_(True))
            ).scalar_one_or_none()

    def actor(self, staff_id: str) -> Actor | None:
        """The staff member behind a conversation id, as the case store's Actor (None if unknown)."""
        member = self.active_by_id(staff_id)
        return Actor(member.sender_id, member.role, member.name) if member else None

    def active_by_telegram_id(self, telegram_id: int) -> Staff | None:
        with self._sessions() as session:
            return session.execute(
                select(Staff).where(Staff.telegram_id == telegram_id, Staff.active.is_(True))
            ).scalar_one_or_none()

    def record_refusal(self, channel: str, external_id: str, display_name: str | None) -> None:
        with self._sessions.begin() as session:
            session.add(AccessRefusal(channel=channel, external_id=str(external_id)[:80],
                                      display_name=(display_name or "")[:200] or None, at=_now()))

    def refusals(self, limit: int = 100) -> list[AccessRefusal]:
        with self._sessions() as session:
            return list(session.execute(select(AccessRefusal).order_by(AccessRefusal.id.desc()).limit(limit)).scalars())
