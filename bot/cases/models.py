"""SQL tables of the case store. Intake answers live in typed columns, one per field."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from bot.db import Base

STATUSES = ("intake", "screening", "prosecution", "rehabilitation", "reintegration", "closed")
# The lifecycle of shared/domain/intake.md: intake -> screening -> prosecution | rehabilitation
# -> reintegration -> closed.
TRANSITIONS = {
    "intake": ("screening",),
    "screening": ("prosecution", "rehabilitation"),
    "prosecution": ("reintegration",),
    "rehabilitation": ("reintegration",),
    "reintegration": ("closed",),
    "closed": (),
}


class Case(Base):
    __tablename__ = "cases"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    status = Column(String(20), nullable=False, default="intake")
    created_by = Column(String(120), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)

    intake_type = Column(String(40), nullable=False)
    full_name = Column(String(120), nullable=False)
    date_of_birth = Column(Date)  # NULL when unknown; estimated_age is then set
    estimated_age = Column(Integer)
    sex = Column(String(20), nullable=False)
    nationality = Column(String(12), nullable=False)  # ISO 3166 alpha-3, "unknown" or "stateless"
    nationality_verification = Column(String(40), nullable=False)
    return_date = Column(Date)
    return_date_precision = Column(String(5))  # "day" or "month"
    time_in_conflict_zone_months = Column(Integer)
    time_in_conflict_zone_unknown = Column(Boolean)
    role = Column(String(20), nullable=False)
    association = Column(String(40), nullable=False)
    legal_status = Column(String(40), nullable=False)
    health_needs = Column(Text)
    psychosocial_needs = Column(Text)
    caregiver = Column(Text)
    unaccompanied = Column(Boolean)
    schooling = Column(String(20))
    accompanying_children = Column(Integer)
    risk_tool = Column(String(20))
    consent = Column(Boolean, nullable=False)
    notes = Column(Text)

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
    text = Column(Text, nullable=False)


class StatusChange(Base):
    __tablename__ = "case_status_changes"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    changed_by = Column(String(120), nullable=False)
    channel = Column(String(40), nullable=False)
    changed_at = Column(DateTime(timezone=True), nullable=False)
    from_status = Column(String(20))
    to_status = Column(String(20), nullable=False)
    reason = Column(Text, nullable=False)


class CaseSequence(Base):
    """Last number handed out per year, for references like PRR-2026-0007."""

    __tablename__ = "case_sequences"

    year = Column(Integer, primary_key=True)
    last_number = Column(Integer, nullable=False)
