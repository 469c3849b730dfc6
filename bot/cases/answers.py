"""Interview answers and case columns, both ways: the one place that maps one onto the other.

Most fields are stored as answered. Four are not: the date of birth ("unknown" is no date), the
return date (a month or a day, and which), the time in the conflict zone (months, or unknown)
and the referrals (a table of their own).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.cases.models import Case
from bot.intake import fields as f

CONVERTED = {
    "date_of_birth": ("date_of_birth",),
    "return_date": ("return_date", "return_date_precision"),
    "time_in_conflict_zone": ("time_in_conflict_zone_months", "time_in_conflict_zone_unknown"),
    "referrals": (),  # case_referrals
}
# Every column that holds what the interview recorded, in the interview's order: erased and exported.
CONTENT_COLUMNS: tuple[str, ...] = tuple(column for name in f.FIELD_NAMES for column in CONVERTED.get(name, (name,)))


def to_columns(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Slot values of a finished intake -> typed column values (referrals are stored apart)."""
    cols = {name: answers.get(name) for name in f.FIELD_NAMES if name not in CONVERTED}
    dob, ret, tcz = answers.get("date_of_birth"), answers.get("return_date"), answers.get("time_in_conflict_zone")
    cols["date_of_birth"] = date.fromisoformat(dob) if dob and dob != "unknown" else None
    cols["return_date"] = date.fromisoformat(ret + "-01" if len(ret) == 7 else ret) if ret else None
    cols["return_date_precision"] = ("month" if len(ret) == 7 else "day") if ret else None
    cols["time_in_conflict_zone_months"] = tcz if isinstance(tcz, int) else None
    cols["time_in_conflict_zone_unknown"] = True if tcz == "unknown" else (False if isinstance(tcz, int) else None)
    return cols


def from_case(case: Case) -> dict:
    """The case's columns back in the shape of interview answers, for display."""
    answers = {name: getattr(case, name, None) for name in f.FIELD_NAMES}
    answers["date_of_birth"] = case.date_of_birth.isoformat() if case.date_of_birth else "unknown"
    if case.return_date:
        month_only = case.return_date_precision == "month"
        answers["return_date"] = case.return_date.strftime("%Y-%m") if month_only else case.return_date.isoformat()
    unknown = case.time_in_conflict_zone_unknown
    answers["time_in_conflict_zone"] = "unknown" if unknown else case.time_in_conflict_zone_months
    answers["referrals"] = [r.referral for r in case.referrals]
    return answers


def export_dict(case: Case) -> dict:
    """One case with notes and history as plain data."""

    def plain(value):
        return value.isoformat() if hasattr(value, "isoformat") else value

    return {
        "reference": case.reference,
        "status": case.status,
        "created_by": case.created_by,
        "channel": case.channel,
        "created_at": plain(case.created_at),
        "updated_at": plain(case.updated_at),
        "assigned_to": case.assigned_to,
        "answers": {name: plain(getattr(case, name)) for name in CONTENT_COLUMNS},
        "referrals": [r.referral for r in case.referrals],
        "notes": [
            {"at": plain(n.created_at), "author": n.author, "channel": n.channel, "text": n.text}
            for n in case.case_notes
        ],
        "status_history": [
            {
                "at": plain(c.changed_at),
                "by": c.changed_by,
                "from": c.from_status,
                "to": c.to_status,
                "reason": c.reason,
            }
            for c in case.status_changes
        ],
    }
