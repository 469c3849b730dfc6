"""The intake interview as a pure state machine over the answers.

Rasa's form keeps the answers in slots and asks whatever `next_step` names; this module decides,
for one message, what changes: an answer accepted, a reason to re-ask, skip, back, cancel with
confirmation, a knowledge question to answer before re-asking, the review and "change FIELD".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.intake import fields as f
from bot.intake.parsing import InvalidAnswer, normalise, parse_yes_no
from bot.language.catalogue import text as say

# Steps that are not intake fields but still questions of the form.
REFERRALS_MORE = "referrals_more"
CANCEL_CONFIRM = "intake_cancel_confirm"
REVIEW = "intake_review"
OUTCOME = "intake_outcome"

STEPS: tuple[str, ...] = tuple(
    name for fname in f.FIELD_NAMES for name in ((fname, REFERRALS_MORE) if fname == "referrals" else (fname,))
)
# Every slot the interview writes; all are cleared once the case is saved or the intake cancelled.
SLOTS: tuple[str, ...] = STEPS + (CANCEL_CONFIRM, REVIEW, OUTCOME)

CONTROL_WORDS = {
    "skip": {
        "skip",
        "skip it",
        "skip this",
        "skip this one",
        "skip this question",
        "skip question",
        "pass",
        "next",
        "next question",
        "leave it blank",
        "leave blank",
        "skip please",
        "please skip",
        "no answer",
    },
    "back": {
        "back",
        "go back",
        "previous",
        "previous question",
        "back please",
        "undo",
        "go back one",
        "the previous question",
        "back one",
        "return to the previous question",
    },
    "cancel": {
        "cancel",
        "cancel intake",
        "cancel the intake",
        "cancel this intake",
        "stop intake",
        "stop the intake",
        "abort",
        "abort intake",
        "abandon intake",
        "quit intake",
        "discard",
        "cancel it",
        "cancel interview",
        "cancel the interview",
        "stop the interview",
    },
}
CONFIRM_WORDS = {
    "confirm",
    "yes",
    "save",
    "confirm and save",
    "looks good",
    "correct",
    "ok",
    "okay",
    "yes save",
    "save it",
    "save the case",
    "all correct",
    "confirmed",
    "yes confirm",
    "y",
}
DONE_WORDS = {
    "done",
    "no",
    "none",
    "no more",
    "that's all",
    "thats all",
    "finished",
    "nothing else",
    "no others",
    "enough",
}
_CHANGE = re.compile(r"^(?:change|edit|correct|fix|update|amend)\s+(?:the\s+|field\s+)?(.+)$")


def step_applies(name: str, answers: Mapping[str, Any]) -> bool:
    if name == REFERRALS_MORE:
        return isinstance(answers.get("referrals"), list) and bool(answers.get("referrals"))
    return f.BY_NAME[name].applies(answers)


def next_step(answers: Mapping[str, Any]) -> str | None:
    """The first question still open; the review once all are answered; None when confirmed."""
    for name in STEPS:
        if answers.get(name) is None and step_applies(name, answers):
            return name
    return REVIEW if answers.get(REVIEW) is None else None


def previous_step(answers: Mapping[str, Any], current: str) -> str | None:
    """The last answered question before `current` (any answered one, from the review)."""
    order = list(STEPS)
    end = order.index(current) if current in order else len(order)
    for name in reversed(order[:end]):
        if answers.get(name) is not None and step_applies(name, answers):
            return "referrals" if name == REFERRALS_MORE else name
    return None


def control_word(text: str) -> str | None:
    t = normalise(text)
    return next((kind for kind, words in CONTROL_WORDS.items() if t in words), None)


@dataclass
class Turn:
    """What one message does to the interview."""

    updates: dict[str, Any]
    messages: list[str] = field(default_factory=list)
    next_step: str | None = None
    knowledge_query: str | None = None  # answer this from the knowledge base, then re-ask


_QUESTION_START = re.compile(
    r"^(what|how|who|whom|whose|when|where|why|which|can|could|should|would|shall|will|is|are|"
    r"was|were|does|do|did|may|must|might|has|have|tell me|explain)\b",
    re.IGNORECASE,
)


def _question_like(text: str, intent: str | None, confidence: float) -> bool:
    return (intent == "ask_knowledge" and confidence >= 0.5) or text.strip().endswith("?")


def worded_as_question(text: str) -> bool:
    """Ends with a question mark or starts as a question does ("how long…", "can we…")."""
    text = text.strip()
    return text.endswith("?") or bool(_QUESTION_START.match(text))


def _plainly_a_question(text: str, intent: str | None) -> bool:
    """Where any text is a valid answer (a name, a note, a choice named in passing), only a
    message worded as a question is taken for one: "Plantedova moved from Aktau" is a note."""
    text = text.strip()
    if intent != "ask_knowledge":
        return False
    # "/ask_knowledge{…}" is a pressed "related section" button, never an answer
    return text.startswith(f"/{intent}") or worded_as_question(text)


def take_turn(
    answers: Mapping[str, Any], requested: str | None, text: str, intent: str | None = None, confidence: float = 0.0
) -> Turn:
    answers = dict(answers)
    if requested not in STEPS + (CANCEL_CONFIRM, REVIEW):
        return Turn({}, [], next_step(answers))
    answers[requested] = None  # the raw text copied into the slot is not an answer until accepted
    keep = {requested: None}
    text = text or ""
    if not text.strip():
        return Turn(keep, [say("interview.no_answer")], requested)

    if requested == CANCEL_CONFIRM:
        try:
            cancel = parse_yes_no(text)
        except InvalidAnswer:
            return Turn(keep, [say("interview.cancel_yes_or_no")], CANCEL_CONFIRM)
        if cancel:
            return Turn({**{s: None for s in SLOTS}, OUTCOME: "cancelled"}, [], None)
        return Turn(keep, [say("interview.goes_on")], next_step(answers))

    control = control_word(text)
    if control == "cancel":
        return Turn(keep, [], CANCEL_CONFIRM)
    if control == "back":
        previous = previous_step(answers, requested)
        if previous is None:
            return Turn(keep, [say("interview.first_question")], requested)
        cleared = {previous: None, REFERRALS_MORE: None} if previous == "referrals" else {previous: None}
        return Turn({**keep, **cleared}, [], previous)
    if requested == REVIEW:
        return _review(answers, text, intent, confidence)
    if requested == REFERRALS_MORE:
        return _more_referrals(answers, text, control, intent, confidence)
    return _answer(answers, f.BY_NAME[requested], text, control, intent, confidence)


def _answer(answers: dict, field_: f.Field, text: str, control: str | None, intent, confidence) -> Turn:
    keep = {field_.name: None}
    if control == "skip":
        if field_.required:
            return Turn(keep, [say("interview.required", label=field_.label())], field_.name)
        answers[field_.name] = f.SKIPPED
        return Turn({field_.name: f.SKIPPED}, [], next_step(answers))
    question = _question_like(text, intent, confidence)
    if (field_.free_text or field_.multiple) and _plainly_a_question(text, intent):
        return Turn(keep, [], field_.name, knowledge_query=text)
    try:
        value = f.validate(field_.name, text, answers)
    except InvalidAnswer as bad:
        if question:
            return Turn(keep, [], field_.name, knowledge_query=text)
        example = bad.example
        message = say("interview.with_example", reason=bad.reason, example=example) if example else bad.reason
        if intent == "start_intake":
            message = say("interview.already_running", message=message)
        return Turn(keep, [message], field_.name)
    answers[field_.name] = value
    return Turn({field_.name: value}, [], next_step(answers))


def _more_referrals(answers: dict, text: str, control: str | None, intent, confidence) -> Turn:
    if control == "skip" or normalise(text) in DONE_WORDS:
        answers[REFERRALS_MORE] = "done"
        return Turn({REFERRALS_MORE: "done"}, [], next_step(answers))
    question = _question_like(text, intent, confidence)
    if _plainly_a_question(text, intent):
        return Turn({REFERRALS_MORE: None}, [], REFERRALS_MORE, knowledge_query=text)
    try:
        more = f.validate("referrals", text, answers)
    except InvalidAnswer as bad:
        if question:
            return Turn({REFERRALS_MORE: None}, [], REFERRALS_MORE, knowledge_query=text)
        return Turn({REFERRALS_MORE: None}, [say("interview.or_done", reason=bad.reason)], REFERRALS_MORE)
    merged = list(dict.fromkeys([*answers["referrals"], *more]))
    so_far = say("interview.referrals_so_far", referrals=f.display("referrals", merged))
    return Turn({"referrals": merged, REFERRALS_MORE: None}, [so_far], REFERRALS_MORE)


def _review(answers: dict, text: str, intent, confidence) -> Turn:
    t = normalise(text)
    keep = {REVIEW: None}
    if t in CONFIRM_WORDS:
        return Turn({REVIEW: "confirmed", OUTCOME: "confirmed"}, [], None)
    change = _CHANGE.match(t)
    if change:
        target = f.find_field(change.group(1), answers)
        if target is None or not target.applies(answers):
            labels = ", ".join(x.label().lower() for x in f.applicable(answers))
            return Turn(keep, [say("interview.no_such_field", field=change.group(1), labels=labels)], REVIEW)
        cleared = {target.name: None}
        if target.name == "referrals":
            cleared[REFERRALS_MORE] = None
        return Turn({**keep, **cleared}, [], target.name)
    if _question_like(text, intent, confidence):
        return Turn(keep, [], REVIEW, knowledge_query=text)
    return Turn(keep, [say("interview.review_how")], REVIEW)


def review_text(answers: Mapping[str, Any], lang: str | None = None) -> str:
    lines = [say("interview.review_intro", lang)]
    for number, fld in enumerate(f.applicable(answers), 1):
        value = f.display(fld.name, answers.get(fld.name), lang)
        lines.append(say("interview.review_line", lang, number=number, label=fld.label(lang), value=value))
    lines.append(say("interview.review_end", lang))
    return "\n".join(lines)


def completed_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers that apply to this person, skipped ones as None: what is saved."""
    return {
        fld.name: (None if answers.get(fld.name) == f.SKIPPED else answers.get(fld.name))
        for fld in f.applicable(answers)
    }
