"""Answer PRR questions from the local knowledge store."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import entity, latest_text
from bot.knowledge.answers import answer_text, more_buttons, no_answer_text
from bot.services import knowledge_base


def answer_question(dispatcher: CollectingDispatcher, question: str) -> bool:
    """Send the best passage with its source and buttons for the next ones; or say we do not know."""
    kb = knowledge_base()
    result = kb.search(question, k=4)
    if not result.answered:
        dispatcher.utter_message(text=no_answer_text(kb.topics()))
        return False
    buttons = more_buttons(result)
    text = answer_text(result.hits[0])
    if buttons:
        text += "\nRelated:"
    dispatcher.utter_message(text=text, buttons=buttons)
    return True


class ActionAnswerKnowledge(Action):
    def name(self) -> str:
        return "action_answer_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        section_id = entity(tracker, "section_id")
        if section_id:  # a "related" button was pressed
            hit = knowledge_base().section(section_id)
            if hit is not None:
                dispatcher.utter_message(text=answer_text(hit))
                return []
        answer_question(dispatcher, latest_text(tracker))
        return []
