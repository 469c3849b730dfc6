"""What the assistant says when no intent fits the message (nlu_fallback).

One honest reply: a question in unusual words is still answered if the knowledge store has a
reliable answer; anything else gets "I did not understand" and what the assistant can do —
never a guess at another intent.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import guarded, latest_text
from actions.knowledge import answer_if_known
from bot.language.guard import Unreadable, unreadable


class ActionNotUnderstood(Action):
    def name(self) -> str:
        return "action_not_understood"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        text = latest_text(tracker)
        reason = unreadable(text)
        if reason is None and not text.startswith("/") and answer_if_known(dispatcher, text):
            return []
        in_another_language = reason in (Unreadable.OTHER_SCRIPT, Unreadable.OTHER_LANGUAGE)
        response = "utter_not_understood_language" if in_another_language else "utter_not_understood"
        dispatcher.utter_message(response=response)
        return []
