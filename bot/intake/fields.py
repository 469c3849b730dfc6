"""The intake fields of shared/domain/intake.md: order, rules, branches and display.

Slot values are kept JSON-friendly (str, int, bool, list) because they travel through Rasa;
`bot.cases.answers` turns them into typed columns and back.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.intake import countries
from bot.intake import parsing as p
from bot.intake.rules import (
    ASSOCIATIONS,
    INTAKE_TYPES,
    LEGAL_STATUSES,
    PRISONER,
    RISK_TOOLS,
    ROLES,
    SCHOOLING,
    SEXES,
    SKIPPED,
    VERIFICATIONS,
    adult,
    always,
    choice,
    dob,
    dob_unknown,
    duration,
    minor,
    not_prisoner,
    referral_list,
    return_date,
)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool
    sensitive: bool
    parse: Callable[[str, Mapping], Any]
    applies: Callable[[Mapping], bool] = always
    free_text: bool = False
    # Several choices in one answer: a question can name a choice ("what does a theologian do?"),
    # so a knowledge question is answered before the text is read as choices.
    multiple: bool = False


FIELDS: tuple[Field, ...] = (
    Field(
        "intake_type",
        "Intake type",
        True,
        False,
        choice(
            INTAKE_TYPES,
            {
                "repatriated": "repatriated returnee",
                "returnee": "repatriated returnee",
                "self returned": "self-returned",
                "prisoner": PRISONER,
                "vep": PRISONER,
                "extremist prisoner": PRISONER,
            },
        ),
    ),
    Field("full_name", "Full name", True, True, lambda t, a: p.parse_name(t), free_text=True),
    Field("date_of_birth", "Date of birth", True, True, dob),
    Field(
        "estimated_age",
        "Estimated age",
        True,
        True,
        lambda t, a: p.parse_whole_number(t, low=0, high=100, example="12", words=p.NUMBER_WORDS),
        dob_unknown,
    ),
    Field(
        "sex",
        "Sex",
        True,
        False,
        choice(
            SEXES,
            {
                "f": "female",
                "m": "male",
                "woman": "female",
                "man": "male",
                "girl": "female",
                "boy": "male",
                "unknown": "not recorded",
            },
        ),
    ),
    Field("nationality", "Nationality", True, False, lambda t, a: countries.parse_nationality(t)),
    Field(
        "nationality_verification",
        "Nationality verification",
        True,
        True,
        choice(
            VERIFICATIONS,
            {
                "dna": "DNA match with relatives",
                "dna match": "DNA match with relatives",
                "consular": "consular check",
                "passport": "documents",
                "document": "documents",
                "papers": "documents",
            },
        ),
    ),
    Field("return_date", "Return date", False, False, return_date, not_prisoner),
    Field("time_in_conflict_zone", "Time in conflict zone", False, False, duration, not_prisoner),
    Field("role", "Role", True, True, choice(ROLES)),
    Field(
        "association",
        "Association",
        True,
        True,
        choice(
            ASSOCIATIONS,
            {
                "born there": "born in the conflict zone",
                "born in conflict zone": "born in the conflict zone",
                "forced": "coerced",
            },
        ),
    ),
    Field(
        "legal_status",
        "Legal status",
        True,
        True,
        choice(
            LEGAL_STATUSES,
            {"investigation": "under investigation", "detention": "administrative detention", "no": "none"},
        ),
    ),
    Field(
        "health_needs",
        "Health needs",
        False,
        True,
        lambda t, a: p.parse_free_text(t, max_chars=2000, allow_none=True, example="asthma, needs an inhaler"),
        free_text=True,
    ),
    Field(
        "psychosocial_needs",
        "Psychosocial needs",
        False,
        True,
        lambda t, a: p.parse_free_text(t, max_chars=2000, allow_none=True, example="nightmares, exposure to shelling"),
        free_text=True,
    ),
    Field(
        "caregiver",
        "Caregiver",
        True,
        True,
        lambda t, a: p.parse_free_text(
            t, max_chars=300, allow_none=False, min_chars=2, example="Gulnara Sultanova, grandmother"
        ),
        minor,
        free_text=True,
    ),
    Field("unaccompanied", "Unaccompanied or orphaned", True, True, lambda t, a: p.parse_yes_no(t), minor),
    Field(
        "schooling",
        "Schooling",
        False,
        False,
        choice(
            SCHOOLING,
            {
                "preschool": "pre-school",
                "kindergarten": "pre-school",
                "primary school": "primary",
                "secondary school": "secondary",
            },
        ),
        minor,
    ),
    Field(
        "accompanying_children",
        "Accompanying children",
        True,
        False,
        lambda t, a: p.parse_whole_number(t, low=0, high=20, example="2", words=p.NUMBER_WORDS),
        adult,
    ),
    Field(
        "risk_tool",
        "Risk assessment tool",
        False,
        True,
        choice(
            RISK_TOOLS,
            {
                "vera": "VERA-2R",
                "vera 2r": "VERA-2R",
                "vera2r": "VERA-2R",
                "erg": "ERG22+",
                "erg22": "ERG22+",
                "erg 22": "ERG22+",
                "not assessed": "not yet assessed",
                "none": "not yet assessed",
            },
        ),
        adult,
    ),
    Field("referrals", "Referrals", False, False, referral_list, multiple=True),
    Field("consent", "Consent", True, False, lambda t, a: p.parse_yes_no(t)),
    Field(
        "notes",
        "Notes",
        False,
        True,
        lambda t, a: p.parse_free_text(t, max_chars=2000, allow_none=True, example="arrived with two children"),
        free_text=True,
    ),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(BY_NAME)
SENSITIVE_FIELDS: frozenset[str] = frozenset(f.name for f in FIELDS if f.sensitive)


def applicable(answers: Mapping[str, Any]) -> list[Field]:
    return [f for f in FIELDS if f.applies(answers)]


def validate(name: str, text: str, answers: Mapping[str, Any]) -> Any:
    """The one place that checks an answer to a field. Raises parsing.InvalidAnswer."""
    if len(text or "") > 20000:
        raise p.InvalidAnswer("That answer is far too long to be an answer to this question.", "")
    return BY_NAME[name].parse(text or "", answers)


def display(name: str, value: Any) -> str:
    """How a stored answer reads in the review and in a case view."""
    if value is None:
        return "—"
    if value == SKIPPED:
        return "skipped"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    if name == "nationality":
        return countries.country_name(value)
    if name in ("date_of_birth", "return_date") and value != "unknown":
        if len(value) == 7:
            return date.fromisoformat(value + "-01").strftime("%B %Y")
        return date.fromisoformat(value).strftime("%-d %B %Y")
    if name == "time_in_conflict_zone" and isinstance(value, int):
        years, months = divmod(value, 12)
        parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
        if months or not years:
            parts.append(f"{months} month{'s' if months != 1 else ''}")
        return " ".join(parts)
    return str(value)


def find_field(words: str, answers: Mapping[str, Any]) -> Field | None:
    """Resolve 'nationality', 'date of birth', 'dob' or a review number to a field."""
    t = p.normalise(words).replace("_", " ")
    shown = applicable(answers)
    if t.isdigit() and 1 <= int(t) <= len(shown):
        return shown[int(t) - 1]
    aliases = {
        "dob": "date_of_birth",
        "birth date": "date_of_birth",
        "birthday": "date_of_birth",
        "name": "full_name",
        "age": "estimated_age",
        "type": "intake_type",
        "verification": "nationality_verification",
        "children": "accompanying_children",
        "risk": "risk_tool",
        "conflict zone": "time_in_conflict_zone",
        "citizenship": "nationality",
        "status": "legal_status",
        "note": "notes",
    }
    if t in aliases:
        return BY_NAME[aliases[t]]
    for f in FIELDS:
        if t in (f.name.replace("_", " "), f.label.lower()):
            return f
    names = {f.label.lower(): f for f in FIELDS} | {f.name.replace("_", " "): f for f in FIELDS}
    close = difflib.get_close_matches(t, list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None
