"""Wording of knowledge answers, shared by every channel and the CLI."""
from __future__ import annotations

import re

from bot.knowledge.store import Hit, SearchResult

DISCLAIMER = "Practitioner summary, not legal advice."
MAX_PASSAGE_CHARS = 700
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def shorten(text: str, limit: int = MAX_PASSAGE_CHARS) -> str:
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


def answer_text(hit: Hit) -> str:
    return f"{shorten(hit.text)}\nSource: {hit.source} — “{hit.title}”\n{DISCLAIMER}"


def no_answer_text(topics: list[str]) -> str:
    listed = "; ".join(topics)
    return (
        "I have no reliable answer to that in the knowledge base, and I will not guess. "
        f"It covers: {listed}. Try asking with other words, for example "
        "“what does resolution 2396 require?”."
    )


def more_buttons(result: SearchResult, limit: int = 3) -> list[dict]:
    """The next best passages, offered as buttons that open that section."""
    return [
        {"title": hit.title, "payload": f'/ask_knowledge{{"section_id": "{hit.id}"}}'}
        for hit in result.hits[1 : 1 + limit]
    ]
