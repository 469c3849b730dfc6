"""SQL tables of the case store. Intake answers live in typed columns, one per field.

Fields marked S in shared/domain/intake.md, notes and status reasons are `Encrypted` columns:
the program sees str, date, int or bool; the database holds only ciphertext.
"""

from __future__ import annotations

from datetime import date
from enum import Enum

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import relationship

from bot.storage.db import Base
from bot.storage.encrypted import Encrypted


class CaseStatus(str, Enum):
    INTAKE = "intake"
    SCREENING = "screening"
    PROSECUTION = "prosecution"
    REHABILITATION = "rehabilitation"
    REINTEGRATION = "reintegration"
    CLOSED = "closed"


STATUSES = tuple(status.value for status in CaseStatus)
# The lifecycle of shared/domain/intake.md: intake -> screening -> prosecution | rehabilitation
# -> reintegration -> closed.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    CaseStatus.INTAKE: (CaseStatus.SCREENING,),
    CaseStatus.SCREENING: (CaseStatus.PROSECUTION, CaseStatus.REHABILITATION),
    CaseStatus.PROSECUTION: (CaseStatus.REINTEGRATION,),
    CaseStatus.REHABILITATION: (CaseStatus.REINTEGRATION,),
    CaseStatus.REINTEGRATION: (CaseStatus.CLOSED,),
    CaseStatus.CLOSED: (),
}


class Case(Base):
    __tablename__ = "cases"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    status = Column(String(20), nullable=False, default=CaseStatus.INTAKE.value)
    created_by = Column(String(120), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    assigned_to = Column(String(120), index=True)  # the case manager's staff id
    # When the interview began in the conversation `created_by`; its events are redacted after
    # saving and deleted on erasure.
    intake_started_at = Column(DateTime(timezone=True))
    erased_at = Column(DateTime(timezone=True))

    intake_type = Column(String(40))
    full_name = Column(Encrypted(str))
    date_of_birth = Column(Encrypted(date))  # NULL when unknown; estimated_age is then set
    estimated_age = Column(Encrypted(int))
    sex = Column(String(20))
    nationality = Column(String(12))  # ISO 3166 alpha-3, "unknown" or "stateless"
    nationality_verification = Column(Encrypted(str))
    return_date = Column(Date)
    return_date_precision = Column(String(5))  # "day" or "month"
    time_in_conflict_zone_months = Column(Integer)
    time_in_conflict_zone_unknown = Column(Boolean)
    role = Column(Encrypted(str))
    association = Column(Encrypted(str))
    legal_status = Column(Encrypted(str))
    health_needs = Column(Encrypted(str))
    psychosocial_needs = Column(Encrypted(str))
    caregiver = Column(Encrypted(str))
    unaccompanied = Column(Encrypted(bool))
    schooling = Column(String(20))
    accompanying_children = Column(Integer)
    risk_tool = Column(Encrypted(str))
    consent = Column(Boolean)
    notes = Column(Encrypted(str))

    referrals = relationship("CaseReferral", cascade="all, delete-orphan", order_by="CaseReferral.id")
    case_notes = relationship("CaseNote", cascade="all, delete-orphan", order_by="CaseNote.id")
    status_changes = relationship("StatusChange", cascade="all, delete-orphan", order_by="StatusChange.id")


class CaseReferral(Base):
    __tablename__ = "case_referrals"
    __table_args__ = (UniqueConstraint("case_id", "referral"),)

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    referral = Column(String(40), nullable=False)


class CaseNote(Base):
    __tablename__ = "case_notes"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    author = Column(String(120), nullable=False)
    channel = Column(String(40), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    text = Column(Encrypted(str), nullable=False)


class StatusChange(Base):
    __tablename__ = "case_status_changes"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    changed_by = Column(String(120), nullable=False)
    channel = Column(String(40), nullable=False)
    changed_at = Column(DateTime(timezone=True), nullable=False)
    from_status = Column(String(20))
    to_status = Column(String(20), nullable=False)
    reason = Column(Encrypted(str), nullable=False)


class CaseSequence(Base):
    """Last number handed out per year, for references like PRR-2026-0007."""

    __tablename__ = "case_sequences"

    year = Column(Integer, primary_key=True)
    last_number = Column(Integer, nullable=False)
