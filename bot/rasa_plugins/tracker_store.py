"""Rasa's SQL tracker store, without the assistant's own words.

What the assistant said (answers, reviews, case views with names and dates) is sent to the
channel and then stored as "[not kept]": the dialogue policies need which action ran, not its
text. Interview answers in user messages and slots are redacted by the actions once a case is
saved or an intake cancelled (bot/conversations.py).
"""
from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered

NOT_KEPT = "[not kept]"


class RedactingSQLTrackerStore(SQLTrackerStore):
    async def save(self, tracker) -> None:
        for event in tracker.events:
            if isinstance(event, BotUttered) and event.text and event.text != NOT_KEPT:
                event.text = NOT_KEPT
        await super().save(tracker)
