"""Parse one typed answer into a clean value, or explain why it does not fit.

Every parser raises InvalidAnswer with a reason and an example the staff member can copy, both
as message ids of the catalogue (bot/language/messages) so that they read in the staff's language.
"""

from __future__ import annotations

import calendar
import difflib
import re
import unicodedata
from datetime import date
from typing import Any

import dateparser

from bot.language.catalogue import text


class InvalidAnswer(ValueError):
    """Why an answer does not fit: a catalogue message id, an example's id and their placeholders."""

    def __init__(self, message_id: str, example_id: str = "", **params: Any):
        self.message_id, self.example_id, self.params = message_id, example_id, params
        super().__init__(self.reason)

    def reason_in(self, lang: str | None = None) -> str:
        return text(self.message_id, lang, **self.params)

    def example_in(self, lang: str | None = None) -> str:
        return text(self.example_id, lang, **self.params) if self.example_id else ""

    @property
    def reason(self) -> str:
        return self.reason_in()

    @property
    def example(self) -> str:
        return self.example_in()


def normalise(text: str) -> str:
    """Lowercase, unify quotes and dashes, squeeze spaces, trim end punctuation."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    text = " ".join(text.split()).lower()
    return text.strip(" .!,;")


UNKNOWN_WORDS = {"unknown", "not known", "don't know", "dont know", "do not know", "n/a", "unclear", "not sure"}
YES_WORDS = {
    "yes",
    "y",
    "yeah",
    "yep",
    "true",
    "correct",
    "affirmative",
    "da",
    "ok yes",
    "yes it is",
    "yes they are",
    "yes, informed",
}
NO_WORDS = {"no", "n", "nope", "false", "not", "negative", "net", "no they are not", "no it is not"}
NONE_WORDS = {
    "none",
    "no",
    "nothing",
    "nil",
    "n/a",
    "no needs",
    "none known",
    "none reported",
    "nothing to add",
    "no notes",
}


def parse_yes_no(text: str) -> bool:
    t = normalise(text)
    if t in YES_WORDS:
        return True
    if t in NO_WORDS:
        return False
    raise InvalidAnswer("answer.yes_or_no", "example.yes")


def parse_choice(
    text: str, options: tuple[str, ...], synonyms: dict[str, str] | None = None, shown: tuple[str, ...] = ()
) -> str:
    """Match an answer to one fixed option: exact, synonym, unique prefix, then a close typo.
    `shown` are the options as the staff member sees them, for the message when none matches."""
    t = normalise(text)
    lookup = {o.lower(): o for o in options}
    lookup.update({k.lower(): v for k, v in (synonyms or {}).items()})
    if t in lookup:
        return lookup[t]
    prefixed = {v for k, v in lookup.items() if len(t) >= 3 and k.startswith(t)}
    if len(prefixed) == 1:
        return prefixed.pop()
    close = difflib.get_close_matches(t, list(lookup), n=1, cutoff=0.8)
    if close:
        return lookup[close[0]]
    shown = shown or options
    raise InvalidAnswer("answer.not_a_choice", "example.choice", choices=", ".join(shown), choice=shown[0])


_NAME = re.compile(r"^[^\W\d_]+(?:(?:[ '\-]|\. ?)[^\W\d_]+)*\.?$")


def parse_name(text: str) -> str:
    name = " ".join(unicodedata.normalize("NFKC", text or "").replace("’", "'").split())
    if not 2 <= len(name) <= 120:
        raise InvalidAnswer("answer.name_length", "example.name", length=len(name))
    if not _NAME.match(name):
        raise InvalidAnswer("answer.name_characters", "example.name")
    return name


def parse_free_text(text: str, *, max_chars: int, allow_none: bool, min_chars: int = 1, example_id: str = "") -> str:
    value = " ".join((text or "").split())
    if allow_none and normalise(value) in NONE_WORDS:
        return "none"
    if len(value) < min_chars:
        raise InvalidAnswer("answer.too_short", example_id, min_chars=min_chars)
    if len(value) > max_chars:
        raise InvalidAnswer("answer.too_long", example_id, max_chars=max_chars, length=len(value))
    return value


_DATE_SETTINGS = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past", "STRICT_PARSING": False}
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[./\-](\d{1,2})[./\-](\d{1,4})$")
_NUMERIC_MONTH = re.compile(r"^(\d{1,2})[./\-](\d{4})$|^(\d{4})[./\-](\d{1,2})$")


def _numeric_date(t: str) -> date | None:
    """Handle 12.03.2009 and 2009-03-12 ourselves, so that 31.02.2020 is reported, not guessed."""
    m = _NUMERIC_DATE.match(t)
    if not m:
        return None
    a, b, c = m.groups()
    year, month, day = (int(a), int(b), int(c)) if len(a) == 4 else (int(c), int(b), int(a))
    if year < 1000:
        raise InvalidAnswer("answer.year_digits", "example.numeric_date")
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidAnswer("answer.not_a_real_date", "example.numeric_date", date=t) from None


def parse_date(text: str, *, allow_month: bool, today: date | None = None) -> tuple[date, str]:
    """A date in common written forms. Returns (date, precision) with precision 'day' or 'month'."""
    today = today or date.today()
    t = normalise(text)
    if not t:
        raise InvalidAnswer("answer.no_date", "example.date")
    example = "example.month" if allow_month else "example.date"
    parsed = _numeric_date(t)
    precision = "day"
    if parsed is None:
        month_match = _NUMERIC_MONTH.match(t)
        if month_match and allow_month:
            month, year = (
                (int(month_match.group(1)), int(month_match.group(2)))
                if month_match.group(1)
                else (int(month_match.group(4)), int(month_match.group(3)))
            )
            if not 1 <= month <= 12:
                raise InvalidAnswer("answer.no_such_month", example, date=t, month=month)
            parsed, precision = date(year, month, 1), "month"
        elif any(ch.isalpha() for ch in t):
            full = dateparser.parse(t, settings={**_DATE_SETTINGS, "REQUIRE_PARTS": ["day", "month", "year"]})
            if full is not None:
                parsed = full.date()
            elif allow_month:
                partial = dateparser.parse(
                    t, settings={**_DATE_SETTINGS, "REQUIRE_PARTS": ["month", "year"], "PREFER_DAY_OF_MONTH": "first"}
                )
                if partial is not None:
                    parsed, precision = partial.date().replace(day=1), "month"
    if parsed is None:
        unreadable = "answer.unreadable_month" if allow_month else "answer.unreadable_day"
        raise InvalidAnswer(unreadable, example, text=text.strip()[:40])
    if parsed > today:
        raise InvalidAnswer("answer.future_date", example)
    return parsed, precision


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_whole_number(text: str, *, low: int, high: int, example_id: str, words: dict[str, int] | None = None) -> int:
    t = normalise(text)
    t = re.sub(r"^(about|around|approximately|approx\.?|roughly|~)\s*", "", t)
    t = re.sub(r"\s*(years? old|years?|yrs?|y\.?o\.?|children|child|kids)$", "", t)
    if words and t in words:
        value = words[t]
    elif re.fullmatch(r"\d{1,4}", t):
        value = int(t)
    else:
        raise InvalidAnswer("answer.not_a_whole_number", example_id, low=low, high=high)
    if not low <= value <= high:
        raise InvalidAnswer("answer.number_out_of_range", example_id, low=low, high=high)
    return value


NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
NUMBER_WORDS["none"] = 0
NUMBER_WORDS["no"] = 0

_DURATION_PART = re.compile(
    r"(\d+(?:[.,]\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|half a)\s*(years?|yrs?|y|months?|mos?|m)\b"
)


def parse_duration_months(text: str) -> int:
    """'3 years', '18 months', '2 years 6 months', '1.5 years' -> months."""
    t = normalise(text)
    parts = _DURATION_PART.findall(t)
    leftover = _DURATION_PART.sub("", t).replace("and", "").replace(",", "").strip()
    if not parts or leftover:
        raise InvalidAnswer("answer.unreadable_duration", "example.duration")
    months = 0.0
    for amount, unit in parts:
        amount = amount.replace(",", ".")
        n = 0.5 if amount == "half a" else 1 if amount in ("a", "an") else NUMBER_WORDS.get(amount)
        n = float(amount) if n is None else n
        months += n * (12 if unit.startswith("y") else 1)
    if not 0 <= months <= 100 * 12:
        raise InvalidAnswer("answer.implausible_duration", "example.duration")
    return round(months)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])
