"""Answer quality on the development set (tests/data/questions.yml): what `make eval` prints.

The set has two halves. Search is tuned on `tune` only; `held_back` measures what a new
question will get. Each question lists the section ids that answer it, or `decline: true`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HALVES = ("tune", "held_back")
# The intents whose messages are searched (data/rules): a question, text no intent fits, and an
# intake answer with no intake running. Any other intent gets its own reply and no section.
SEARCHED_INTENTS = frozenset({"ask_knowledge", "nlu_fallback", "inform"})
# How a miss that should have been declined begins.
SHOULD_DECLINE = "answered, should decline"


@dataclass
class Scores:
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    must_decline: int = 0
    declined: int = 0
    # What went wrong (make eval prints the tuning half's and the probe's).
    misses: list[str] = field(default_factory=list)

    @property
    def wrongly_answered(self) -> int:
        """Questions that should have been declined but got an answer with a source."""
        return self.must_decline - self.declined

    def rate(self, part: int, whole: int) -> float:
        return 100.0 * part / whole if whole else 0.0

    def as_dict(self) -> dict:
        return {
            "answerable": self.answerable,
            "must_decline": self.must_decline,
            "top1_pct": round(self.rate(self.top1, self.answerable), 1),
            "top3_pct": round(self.rate(self.top3, self.answerable), 1),
            "declines_pct": round(self.rate(self.declined, self.must_decline), 1),
            "answered_when_should_decline": self.wrongly_answered,
        }


def load_questions(path: Path) -> dict[str, list[dict]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for half in HALVES:
        for item in data[half]:
            if not item.get("q") or bool(item.get("ids")) == bool(item.get("decline")):
                raise ValueError(f"{path.name} ({half}): each question needs q and either ids or decline: {item}")
    return {half: data[half] for half in HALVES}


def load_probe(path: Path) -> list[dict]:
    """The probe (tests/data/probe_questions.yml): questions listed under the section they were
    written for, as items `score` takes. A question is text, or {q: text, also: [ids]} when
    other sections were found on a second reading to answer it too. Questions under `decline:`
    must be declined."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sections = data["sections"]
    items: list[dict] = [{"q": q, "decline": True} for q in data.get("decline") or []]
    for section_id, questions in sections.items():
        for entry in questions:
            if isinstance(entry, str):
                entry = {"q": entry}
            if not entry.get("q") or set(entry) - {"q", "also"}:
                raise ValueError(f"{path.name} ({section_id}): a question is text or {{q, also}}: {entry}")
            items.append({"q": entry["q"], "ids": [section_id, *entry.get("also", [])]})
    return items


def score(kb, questions: list[dict], intent_of: Callable[[str], str] | None = None) -> Scores:
    """Search quality; with `intent_of` (the intent classifier), what the assistant answers: a
    question the classifier routes elsewhere ("out of scope", "start an intake") gets no section."""
    scores = Scores()
    for item in questions:
        result = kb.search(item["q"], k=3)
        intent = intent_of(item["q"]) if intent_of else None
        routed_away = intent is not None and intent not in SEARCHED_INTENTS
        got = [h.id for h in result.hits] if result.answered and not routed_away else []
        if item.get("decline"):
            scores.must_decline += 1
            scores.declined += not got
            if got:
                scores.misses.append(f"{SHOULD_DECLINE}: {item['q']!r} → {got[0]}")
            continue
        scores.answerable += 1
        wanted = set(item["ids"])
        scores.top1 += bool(got) and got[0] in wanted
        scores.top3 += bool(wanted & set(got[:3]))
        if not got or got[0] not in wanted:
            shown = got[0] if got else f"no answer (intent {intent})" if routed_away else "declined"
            scores.misses.append(f"{item['q']!r}: got {shown}, wanted {' / '.join(sorted(wanted))}")
    return scores
