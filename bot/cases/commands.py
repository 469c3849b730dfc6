"""Read case commands from a staff member's own words.

"move PRR-2026-0007 to screening because identity confirmed" and
"add a note to PRR-2026-0007: met the mother" are parsed here, not in the NLU model, so
that the reference, status and text are taken exactly as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.cases.models import STATUSES
from bot.cases.store import REFERENCE, normalise_reference

_STATUS = re.compile(
    r"\b(?:to|into|as|status)\s+(?:the\s+)?(?:status\s+)?(" + "|".join(STATUSES) + r")\b", re.IGNORECASE
)
_ANY_STATUS = re.compile(r"\b(" + "|".join(STATUSES) + r")\b", re.IGNORECASE)
_REASON = re.compile(r"\b(?:because|as|since|reason:?|due to)\s+(.+)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class StatusRequest:
    reference: str | None
    status: str | None
    reason: str


def parse_status_change(text: str) -> StatusRequest:
    text = text or ""
    reference = normalise_reference(text)
    found = REFERENCE.search(text)
    after_ref = text[found.end() :] if found else text
    status_match = _STATUS.search(after_ref) or _ANY_STATUS.search(after_ref)
    status = status_match.group(1).lower() if status_match else None
    rest = after_ref[status_match.end() :] if status_match else ""
    reason_match = _REASON.search(rest)
    reason = reason_match.group(1) if reason_match else rest.strip(" :,-")
    return StatusRequest(reference, status, " ".join(reason.split()))


@dataclass(frozen=True)
class NoteRequest:
    reference: str | None
    text: str


def parse_note(text: str) -> NoteRequest:
    text = text or ""
    match = REFERENCE.search(text)
    if not match:
        return NoteRequest(None, "")
    rest = text[match.end() :]
    colon = rest.find(":")
    note = rest[colon + 1 :] if colon >= 0 else re.sub(r"^\s*(?:saying|that|with)\b", "", rest, flags=re.IGNORECASE)
    return NoteRequest(normalise_reference(text), note.strip())
