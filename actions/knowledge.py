"""Answer PRR questions from the local knowledge store."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import entity, guarded, latest_text
from bot.bootstrap import knowledge_base
from bot.intake.flow import worded_as_question
from bot.knowledge.answers import RELATED, Reply, answer, section_reply


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    if reply.buttons:
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
    else:
        dispatcher.utter_message(text=reply.text)


def answer_question(dispatcher: CollectingDispatcher, question: str) -> bool:
    """Send the answer with its source and related sections; or say we do not know."""
    kb = knowledge_base()
    result = kb.search(question, k=1 + RELATED)
    send(dispatcher, answer(result, kb.topics()))
    return result.answered


def answer_if_known(dispatcher: CollectingDispatcher, text: str) -> bool:
    """Send the answer only when the store has a reliable one; say nothing otherwise."""
    kb = knowledge_base()
    result = kb.search(text, k=1 + RELATED)
    if result.answered:
        send(dispatcher, answer(result, kb.topics()))
    return result.answered


def reply_to_question(dispatcher: CollectingDispatcher, tracker: Tracker, question: str) -> None:
    """A pressed "related" button opens its section; anything else is searched."""
    section_id = entity(tracker, "section_id")
    hit = knowledge_base().section(section_id) if section_id else None
    if hit is not None:
        send(dispatcher, section_reply(hit))
    else:
        answer_question(dispatcher, question)


class ActionAnswerKnowledge(Action):
    def name(self) -> str:
        return "action_answer_knowledge"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        reply_to_question(dispatcher, tracker, latest_text(tracker))
        return []


class ActionAnswerOrNoIntake(Action):
    """Words the classifier takes for an intake answer, with no intake running. Many are questions
    with a year, a number or a name in them ("2178 adopted when, vote result"): they are answered
    when the store has a reliable answer. Anything else ("Turkey"), and an answer to text not
    worded as a question ("mother is in prison in Iraq"), also hears that no intake is running,
    since the staff member may think one is. Text without one English or corpus word (random
    letters the classifier had to name an intent for, "jklo pqwe") gets the fallback's honest
    "I did not understand" and what the assistant can do."""

    def name(self) -> str:
        return "action_answer_or_no_intake"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        text = latest_text(tracker)
        if text.startswith("/"):  # a button's payload, never searched
            response: str | None = "utter_no_intake_running"
        elif answer_if_known(dispatcher, text):
            response = None if worded_as_question(text) else "utter_no_intake_running"
        elif knowledge_base().knows_no_word_of(text):
            response = "utter_not_understood"
        else:
            response = "utter_no_intake_running"
        if response:
            dispatcher.utter_message(response=response)
        return []
