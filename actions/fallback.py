"""The first stage of the two-stage fallback, in words a practitioner understands."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

MEANINGS = {
    "ask_knowledge": "a question about PRR procedures",
    "start_intake": "to start an intake interview",
    "show_case": "to see a case",
    "list_cases": "to list your cases",
    "change_case_status": "to change a case's status",
    "add_case_note": "to add a note to a case",
    "help": "to know what I can do",
    "greet": "to say hello",
    "goodbye": "to end the conversation",
    "thank": "to say thank you",
    "bot_challenge": "to know whether I am a bot",
}


class ActionDefaultAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        ranking = tracker.latest_message.get("intent_ranking") or []
        guess = next((i["name"] for i in ranking if i.get("name") in MEANINGS), None)
        if guess is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(
            text=f"I am not sure I understood. Did you mean {MEANINGS[guess]}?",
            buttons=[{"title": "Yes", "payload": f"/{guess}"}, {"title": "No", "payload": "/out_of_scope"}],
        )
        return []
