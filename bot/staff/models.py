"""Staff: their roles, the actor a case operation runs as, and the SQL tables for staff and
refused access attempts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, String

from bot.storage.db import Base


class Role(str, Enum):
    """What a staff member may do with cases (bot/cases/access.py says exactly what)."""

    INTAKE = "intake"
    CASE_MANAGER = "case_manager"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLES = tuple(role.value for role in Role)


@dataclass(frozen=True)
class Actor:
    """A staff member acting on cases: the conversation id, the role and the name."""

    staff_id: str
    role: str
    name: str = ""


class Staff(Base):
    __tablename__ = "staff"

    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False, unique=True)
    role = Column(String(20), nullable=False)
    telegram_id = Column(BigInteger, unique=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    # Web login: an argon2 hash (never the password), and the lockout after failed attempts.
    password_hash = Column(String(200))
    failed_logins = Column(Integer, nullable=False, default=0, server_default="0")
    locked_until = Column(DateTime(timezone=True))
    # Bumped by a password change or a disable: web sessions opened under an older epoch end.
    session_epoch = Column(Integer, nullable=False, default=0, server_default="0")

    @property
    def sender_id(self) -> str:
        """The Rasa conversation id of this staff member, the same on every channel."""
        return str(self.id)


class AccessRefusal(Base):
    """Someone who is not registered (or is disabled) tried to talk to the assistant."""

    __tablename__ = "access_refusals"

    id = Column(Integer, primary_key=True)
    channel = Column(String(40), nullable=False)
    external_id = Column(String(80), nullable=False)  # e.g. the Telegram user id
    display_name = Column(String(200))
    at = Column(DateTime(timezone=True), nullable=False)  # the first attempt of this row
    # Repeated attempts from the same account within a day count here instead of adding rows.
    attempts = Column(Integer, nullable=False, default=1, server_default="1")
    last_at = Column(DateTime(timezone=True))
