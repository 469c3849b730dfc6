"""Wording of knowledge answers, the same for every channel (Rasa actions, `prr ask`).

An answer is the best section in full with "Source: <document>, <place>", and up to two related
sections as buttons. When the runner-up scores nearly as well as the best, both are said briefly
and offered in full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.knowledge.store import Hit, SearchResult
from bot.language.catalogue import text as say

BRIEF_CHARS = 320
RELATED = 2
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict] = field(default_factory=list)


def shorten(text: str, limit: int = BRIEF_CHARS) -> str:
    """Whole sentences up to the limit; a passage is never cut mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    out = ""
    for sentence in _SENTENCE_END.split(text):
        if len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    return out or text[:limit].rsplit(" ", 1)[0] + " …"


def full_text(text: str) -> str:
    """Paragraphs on lines of their own (no blank lines: Rasa's REST collector splits on them)."""
    return "\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


def section_reply(hit: Hit) -> Reply:
    source = say("knowledge.source", source=hit.source)
    return Reply(f"{hit.title}\n{full_text(hit.text)}\n{source}\n{say('knowledge.disclaimer')}")


def button(hit: Hit) -> dict:
    return {"title": hit.title, "payload": f'/ask_knowledge{{"section_id": "{hit.id}"}}'}


def answer(result: SearchResult, topics: list[str]) -> Reply:
    """What the assistant says to a question: the answer, both close answers, or a plain no."""
    if not result.answered or not result.hits:
        return Reply(no_answer_text(topics))
    best = result.hits[0]
    if result.close and len(result.hits) > 1:
        second = result.hits[1]
        text = "\n".join(
            [
                say("knowledge.two_answers"),
                say("knowledge.numbered", number=1, title=best.title, summary=shorten(best.text)),
                say("knowledge.source", source=best.source),
                say("knowledge.numbered", number=2, title=second.title, summary=shorten(second.text)),
                say("knowledge.source", source=second.source),
                say("knowledge.disclaimer"),
                say("knowledge.read_either"),
            ]
        )
        return Reply(text, [button(best), button(second)])
    related = [button(h) for h in result.hits[1 : 1 + RELATED]]
    reply = section_reply(best)
    return Reply(reply.text + ("\n" + say("knowledge.related") if related else ""), related)


def no_answer_text(topics: list[str]) -> str:
    return say("knowledge.no_answer", topics="; ".join(topics))
