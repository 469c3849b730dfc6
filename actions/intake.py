"""The intake form: validation (delegated to bot.intake.flow), the review, and saving the case."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import actor, channel, guarded, latest_intent, latest_text, logger, staff_id
from actions.knowledge import reply_to_question
from bot.bootstrap import case_store
from bot.cases.access import NotPermitted
from bot.cases.store import CaseError
from bot.intake import flow
from bot.language.catalogue import text as say

STARTED = "intake_started_at"  # a slot: it survives the session boundaries of our tracker store
REVIEW_BUTTONS = ("confirm", "cancel")


def _when(started: float | None) -> datetime | None:
    return datetime.fromtimestamp(started, timezone.utc) if started else None


def _answers(tracker: Tracker) -> dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in flow.SLOTS}


class ValidateIntakeForm(Action):
    def name(self) -> str:
        return "validate_intake_form"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        answers = _answers(tracker)
        # While the form runs, a question is always pending; none pending means it is just starting
        # (Rasa has already marked the form active when it asks us at activation).
        if tracker.get_slot("requested_slot") is None:
            try:
                case_store().check_may_create(actor=actor(tracker), channel=channel(tracker))
            except NotPermitted as refusal:
                dispatcher.utter_message(text=str(refusal))
                return [SlotSet(flow.OUTCOME, "refused"), SlotSet("requested_slot", None)]
            # The message that started the form ("start an intake") answers no question. A draft
            # left from before resumes at its first open question.
            started = tracker.get_slot(STARTED) or _this_message_time(tracker)
            return [SlotSet(STARTED, started), SlotSet("requested_slot", flow.next_step(answers))]
        intent, confidence = latest_intent(tracker)
        turn = flow.take_turn(answers, tracker.get_slot("requested_slot"), latest_text(tracker), intent, confidence)
        if turn.knowledge_query:
            reply_to_question(dispatcher, tracker, turn.knowledge_query)
            dispatcher.utter_message(text=say("interview.back_to_intake"))
        for message in turn.messages:
            dispatcher.utter_message(text=message)
        return [SlotSet(k, v) for k, v in turn.updates.items()] + [SlotSet("requested_slot", turn.next_step)]


class ActionAskIntakeReview(Action):
    def name(self) -> str:
        return "action_ask_intake_review"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        dispatcher.utter_message(
            text=flow.review_text(_answers(tracker)),
            buttons=[{"title": say(f"button.{code}"), "payload": code} for code in REVIEW_BUTTONS],
        )
        return []


class ActionSubmitIntake(Action):
    """Runs when the form ends: save a confirmed intake, or acknowledge a cancelled one."""

    def name(self) -> str:
        return "action_submit_intake"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        answers = _answers(tracker)
        clear = [SlotSet(slot, None) for slot in flow.SLOTS + (STARTED,)]
        started = tracker.get_slot(STARTED)
        outcome = answers.get(flow.OUTCOME)
        if outcome == "refused":
            return clear
        if outcome != "confirmed":
            case_store().forget_interview(staff_id(tracker), _when(started))
            dispatcher.utter_message(text=say("interview.cancelled"))
            return clear
        try:
            reference = case_store().save_intake(
                flow.completed_answers(answers),
                actor=actor(tracker),
                channel=channel(tracker),
                intake_started_at=_when(started),
            )
        except NotPermitted as refusal:
            dispatcher.utter_message(text=str(refusal))
            return clear
        except (CaseError, SQLAlchemyError) as error:
            # Keep every answer: saying "start an intake" again returns to the review.
            logger.error("saving an intake failed: %s", type(error).__name__)
            reason = str(error) if isinstance(error, CaseError) else say("interview.store_unreachable")
            dispatcher.utter_message(text=say("interview.not_saved", reason=reason))
            return [SlotSet(flow.REVIEW, None), SlotSet(flow.OUTCOME, None)]
        dispatcher.utter_message(text=say("interview.saved", reference=reference))
        return clear


def _this_message_time(tracker: Tracker) -> float:
    """When Rasa received the message that started the interview, by Rasa's own clock: the
    redaction compares it with Rasa's event times, so a second clock (this server's) could leave
    the first answers out when the two disagree (security review, finding 26)."""
    users = [e for e in tracker.events if e.get("event") == "user" and e.get("timestamp")]
    return float(users[-1]["timestamp"]) if users else time.time() - 1
