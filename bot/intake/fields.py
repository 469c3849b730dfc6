"""The intake fields of shared/domain/intake.md: order, rules, branches and display.

Slot values are kept JSON-friendly (str, int, bool, list) because they travel through Rasa;
`bot.cases.answers` turns them into typed columns and back.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Any

from babel.dates import format_date

from bot.intake import countries
from bot.intake import parsing as p
from bot.intake.rules import (
    ASSOCIATION_SYNONYMS,
    ASSOCIATIONS,
    INTAKE_TYPE_SYNONYMS,
    INTAKE_TYPES,
    LEGAL_STATUS_SYNONYMS,
    LEGAL_STATUSES,
    REFERRALS,
    RISK_TOOL_SYNONYMS,
    RISK_TOOLS,
    ROLES,
    SCHOOLING,
    SCHOOLING_SYNONYMS,
    SEX_SYNONYMS,
    SEXES,
    SKIPPED,
    VERIFICATION_SYNONYMS,
    VERIFICATIONS,
    adult,
    always,
    dob,
    dob_unknown,
    duration,
    minor,
    not_prisoner,
    referral_list,
    return_date,
)
from bot.language.catalogue import default_language, text


@dataclass(frozen=True)
class Field:
    """One intake question. Its label, question and option titles are in the message catalogue
    under `intake.<name>.` (bot/language/messages); domain/intake_form.yml is generated from here."""

    name: str
    required: bool
    sensitive: bool
    parse: Callable[[str, Mapping], Any] | None = None  # None: one of `options`
    applies: Callable[[Mapping], bool] = always
    free_text: bool = False
    # Several choices in one answer: a question can name a choice ("what does a theologian do?"),
    # so a knowledge question is answered before the text is read as choices.
    multiple: bool = False
    # Stored option codes, offered as buttons; titles are looked up, so stored values stay the same
    # in every language.
    options: tuple[str, ...] = ()
    synonyms: Mapping[str, str] = dc_field(default_factory=dict)
    # Buttons after the options (catalogue `button.<code>`, payload the code); None: skip when optional.
    controls: tuple[str, ...] | None = None

    def read(self, answer: str, answers: Mapping) -> Any:
        if self.parse is not None:
            return self.parse(answer, answers)
        # The titles as shown in the configured language are answers too.
        titles = {option_title(self.name, o): o for o in self.options}
        return p.parse_choice(answer, self.options, {**self.synonyms, **titles}, shown=tuple(titles))

    @property
    def buttons(self) -> tuple[str, ...]:
        return self.controls if self.controls is not None else (() if self.required else ("skip",))

    def label(self, lang: str | None = None) -> str:
        return text(f"intake.{self.name}.label", lang)


def option_title(name: str, code: str, lang: str | None = None) -> str:
    return text(f"intake.{name}.options.{code}", lang)


YES_NO = ("yes", "no")
_NUMBER = p.NUMBER_WORDS

FIELDS: tuple[Field, ...] = (
    Field(
        "intake_type",
        required=True,
        sensitive=False,
        options=INTAKE_TYPES,
        synonyms=INTAKE_TYPE_SYNONYMS,
    ),
    Field("full_name", required=True, sensitive=True, parse=lambda t, a: p.parse_name(t), free_text=True),
    Field("date_of_birth", required=True, sensitive=True, parse=dob),
    Field(
        "estimated_age",
        required=True,
        sensitive=True,
        parse=lambda t, a: p.parse_whole_number(t, low=0, high=100, example_id="example.age", words=_NUMBER),
        applies=dob_unknown,
    ),
    Field(
        "sex",
        required=True,
        sensitive=False,
        options=SEXES,
        synonyms=SEX_SYNONYMS,
    ),
    Field("nationality", required=True, sensitive=False, parse=lambda t, a: countries.parse_nationality(t)),
    Field(
        "nationality_verification",
        required=True,
        sensitive=True,
        options=VERIFICATIONS,
        synonyms=VERIFICATION_SYNONYMS,
    ),
    Field("return_date", required=False, sensitive=False, parse=return_date, applies=not_prisoner),
    Field("time_in_conflict_zone", required=False, sensitive=False, parse=duration, applies=not_prisoner),
    Field("role", required=True, sensitive=True, options=ROLES),
    Field(
        "association",
        required=True,
        sensitive=True,
        options=ASSOCIATIONS,
        synonyms=ASSOCIATION_SYNONYMS,
    ),
    Field(
        "legal_status",
        required=True,
        sensitive=True,
        options=LEGAL_STATUSES,
        synonyms=LEGAL_STATUS_SYNONYMS,
    ),
    Field(
        "health_needs",
        required=False,
        sensitive=True,
        parse=lambda t, a: p.parse_free_text(
            t, max_chars=2000, allow_none=True, example_id="intake.health_needs.example"
        ),
        free_text=True,
    ),
    Field(
        "psychosocial_needs",
        required=False,
        sensitive=True,
        parse=lambda t, a: p.parse_free_text(
            t, max_chars=2000, allow_none=True, example_id="intake.psychosocial_needs.example"
        ),
        free_text=True,
    ),
    Field(
        "caregiver",
        required=True,
        sensitive=True,
        parse=lambda t, a: p.parse_free_text(
            t, max_chars=300, allow_none=False, min_chars=2, example_id="intake.caregiver.example"
        ),
        applies=minor,
        free_text=True,
    ),
    Field(
        "unaccompanied",
        required=True,
        sensitive=True,
        parse=lambda t, a: p.parse_yes_no(t),
        applies=minor,
        controls=YES_NO,
    ),
    Field(
        "schooling",
        required=False,
        sensitive=False,
        options=SCHOOLING,
        synonyms=SCHOOLING_SYNONYMS,
        applies=minor,
    ),
    Field(
        "accompanying_children",
        required=True,
        sensitive=False,
        parse=lambda t, a: p.parse_whole_number(t, low=0, high=20, example_id="example.children", words=_NUMBER),
        applies=adult,
    ),
    Field(
        "risk_tool",
        required=False,
        sensitive=True,
        options=RISK_TOOLS,
        synonyms=RISK_TOOL_SYNONYMS,
        applies=adult,
    ),
    Field(
        "referrals",
        required=False,
        sensitive=False,
        parse=referral_list,
        multiple=True,
        options=REFERRALS,
        controls=("none",),
    ),
    Field("consent", required=True, sensitive=False, parse=lambda t, a: p.parse_yes_no(t), controls=YES_NO),
    Field(
        "notes",
        required=False,
        sensitive=True,
        parse=lambda t, a: p.parse_free_text(t, max_chars=2000, allow_none=True, example_id="intake.notes.example"),
        free_text=True,
    ),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(BY_NAME)
SENSITIVE_FIELDS: frozenset[str] = frozenset(f.name for f in FIELDS if f.sensitive)


def applicable(answers: Mapping[str, Any]) -> list[Field]:
    return [f for f in FIELDS if f.applies(answers)]


def validate(name: str, answer: str, answers: Mapping[str, Any]) -> Any:
    """The one place that checks an answer to a field. Raises parsing.InvalidAnswer."""
    if len(answer or "") > 20000:
        raise p.InvalidAnswer("answer.far_too_long")
    return BY_NAME[name].read(answer or "", answers)


def display(name: str, value: Any, lang: str | None = None) -> str:
    """How a stored answer reads in the review and in a case view."""
    lang = lang or default_language()
    if value is None:
        return text("value.missing", lang)
    if value == SKIPPED:
        return text("value.skipped", lang)
    if isinstance(value, bool):
        return text("value.yes" if value else "value.no", lang)
    if isinstance(value, list):
        titles = [option_title(name, v, lang) for v in value]
        return text("value.list_separator", lang).join(titles) if value else text("value.empty_list", lang)
    if value in BY_NAME[name].options:
        return option_title(name, value, lang)
    if value in ("unknown", "stateless"):
        return text(f"value.{value}", lang)
    if name == "nationality":
        return countries.country_name(value)
    if name in ("date_of_birth", "return_date"):
        month_only = len(value) == 7
        day = date.fromisoformat(value + "-01" if month_only else value)
        return format_date(day, text("value.month_format" if month_only else "value.date_format", lang), locale=lang)
    if name == "time_in_conflict_zone" and isinstance(value, int):
        years, months = divmod(value, 12)
        parts = [text("value.years", lang, count=years)] if years else []
        if months or not years:
            parts.append(text("value.months", lang, count=months))
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
        if t in (f.name.replace("_", " "), f.label().lower()):
            return f
    names = {f.label().lower(): f for f in FIELDS} | {f.name.replace("_", " "): f for f in FIELDS}
    close = difflib.get_close_matches(t, list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None
