"""What each intake answer may be, and when a question applies: the choices offered, the
readers of dates, durations and referrals, and the branch rules (prisoner, under 18, 18+)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from bot.intake import parsing as p

SKIPPED = "(skipped)"
PRISONER = "violent extremist prisoner"

INTAKE_TYPES = ("repatriated returnee", "self-returned", "relocated", PRISONER, "other")
SEXES = ("female", "male", "not recorded")
VERIFICATIONS = ("documents", "consular check", "DNA match with relatives", "pending", "not verified")
ROLES = ("fighter", "supporter", "facilitator", "spouse", "child", "unknown")
ASSOCIATIONS = ("voluntary", "coerced", "born in the conflict zone", "unknown")
LEGAL_STATUSES = ("none", "under investigation", "charged", "convicted", "administrative detention")
SCHOOLING = ("none", "pre-school", "primary", "secondary", "other")
RISK_TOOLS = ("VERA-2R", "ERG22+", "other", "not yet assessed")
# Other words staff use for an option: word -> option code.
INTAKE_TYPE_SYNONYMS = {
    "repatriated": "repatriated returnee",
    "returnee": "repatriated returnee",
    "self returned": "self-returned",
    "prisoner": PRISONER,
    "vep": PRISONER,
    "extremist prisoner": PRISONER,
}

SEX_SYNONYMS = {
    "f": "female",
    "m": "male",
    "woman": "female",
    "man": "male",
    "girl": "female",
    "boy": "male",
    "unknown": "not recorded",
}

VERIFICATION_SYNONYMS = {
    "dna": "DNA match with relatives",
    "dna match": "DNA match with relatives",
    "consular": "consular check",
    "passport": "documents",
    "document": "documents",
    "papers": "documents",
}

ASSOCIATION_SYNONYMS = {
    "born there": "born in the conflict zone",
    "born in conflict zone": "born in the conflict zone",
    "forced": "coerced",
}

LEGAL_STATUS_SYNONYMS = {"investigation": "under investigation", "detention": "administrative detention", "no": "none"}

SCHOOLING_SYNONYMS = {
    "preschool": "pre-school",
    "kindergarten": "pre-school",
    "primary school": "primary",
    "secondary school": "secondary",
}

RISK_TOOL_SYNONYMS = {
    "vera": "VERA-2R",
    "vera 2r": "VERA-2R",
    "vera2r": "VERA-2R",
    "erg": "ERG22+",
    "erg22": "ERG22+",
    "erg 22": "ERG22+",
    "not assessed": "not yet assessed",
    "none": "not yet assessed",
}
REFERRALS = ("psychologist", "theologian", "social worker", "health care", "education", "employment", "legal aid")


def age_of(answers: Mapping[str, Any], today: date | None = None) -> int | None:
    """Age from the date of birth, else the estimated age; None while neither is known."""
    dob = answers.get("date_of_birth")
    if dob and dob not in ("unknown", SKIPPED):
        return p.age_on(date.fromisoformat(dob), today or date.today())
    estimated = answers.get("estimated_age")
    return estimated if isinstance(estimated, int) else None


def is_minor(answers: Mapping[str, Any]) -> bool | None:
    age = age_of(answers)
    return None if age is None else age < 18


# ---- parsers: (text, answers so far) -> slot value -------------------------------------------


def dob(text: str, answers: Mapping) -> str:
    if p.normalise(text) in p.UNKNOWN_WORDS:
        return "unknown"
    born, _ = p.parse_date(text, allow_month=False)
    if p.age_on(born, date.today()) > 100:
        raise p.InvalidAnswer("answer.older_than_100", "example.date")
    return born.isoformat()


def return_date(text: str, answers: Mapping) -> str:
    returned, precision = p.parse_date(text, allow_month=True)
    dob = answers.get("date_of_birth")
    if dob and dob not in ("unknown", SKIPPED):
        latest = p.month_end(returned) if precision == "month" else returned
        if latest < date.fromisoformat(dob):
            raise p.InvalidAnswer("answer.return_before_birth", "example.month")
    return returned.strftime("%Y-%m") if precision == "month" else returned.isoformat()


def duration(text: str, answers: Mapping) -> Any:
    return "unknown" if p.normalise(text) in p.UNKNOWN_WORDS else p.parse_duration_months(text)


def referral_list(text: str, answers: Mapping) -> list[str]:
    t = p.normalise(text)
    if t in p.NONE_WORDS:
        return []
    items = [i for i in (x.strip() for x in t.replace(" and ", ",").replace(";", ",").split(",")) if i]
    synonyms = {
        "psychological support": "psychologist",
        "psychology": "psychologist",
        "imam": "theologian",
        "religious": "theologian",
        "social work": "social worker",
        "health": "health care",
        "medical": "health care",
        "doctor": "health care",
        "school": "education",
        "job": "employment",
        "work": "employment",
        "lawyer": "legal aid",
        "legal": "legal aid",
    }
    chosen: list[str] = []
    for item in items:
        value = p.parse_choice(item, REFERRALS, synonyms)
        if value not in chosen:
            chosen.append(value)
    return chosen


def choice(options, synonyms=None) -> Callable[[str, Mapping], str]:
    return lambda text, answers: p.parse_choice(text, options, synonyms)


# ---- branch conditions -----------------------------------------------------------------------


def always(answers: Mapping) -> bool:
    return True


def not_prisoner(answers: Mapping) -> bool:
    return answers.get("intake_type") != PRISONER


def minor(answers: Mapping) -> bool:
    return is_minor(answers) is True


def adult(answers: Mapping) -> bool:
    return is_minor(answers) is False


def dob_unknown(answers: Mapping) -> bool:
    return answers.get("date_of_birth") == "unknown"
