"""Test data shared by several test modules."""

from __future__ import annotations

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
