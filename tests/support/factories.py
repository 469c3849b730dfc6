"""Test data shared by several test modules."""

from __future__ import annotations

from bot.staff.models import Actor

# Staff of each role, two of some, as the case-store tests act.
INTAKE = Actor("1", "intake", "i.one")
INTAKE2 = Actor("2", "intake", "i.two")
MANAGER = Actor("3", "case_manager", "m.three")
MANAGER2 = Actor("4", "case_manager", "m.four")
SUPERVISOR = Actor("5", "supervisor", "s.five")
ADMIN = Actor("6", "admin", "a.six")

# A finished adult intake, as the interview leaves it in the slots.
ADULT = {
    "intake_type": "repatriated returnee",
    "full_name": "Aigerim Sultanova",
    "date_of_birth": "1990-01-05",
    "sex": "female",
    "nationality": "KAZ",
    "nationality_verification": "DNA match with relatives",
    "return_date": "2019-03",
    "time_in_conflict_zone": 42,
    "role": "spouse",
    "association": "coerced",
    "legal_status": "under investigation",
    "health_needs": "asthma",
    "psychosocial_needs": None,
    "accompanying_children": 3,
    "risk_tool": "VERA-2R",
    "referrals": ["psychologist", "legal aid"],
    "consent": True,
    "notes": "arrived with three children",
}


def save(store, actor=INTAKE, answers=None):
    """Save a finished intake (ADULT unless other answers are given) through the case store."""
    return store.save_intake(ADULT if answers is None else answers, actor=actor, channel="shell")
