"""What every action reads from a tracker (who is talking, through which channel), and the
guard every action's run goes through."""

from __future__ import annotations

import functools
import logging

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.config import quiet_environment
from bot.language.catalogue import text as say

quiet_environment()

logger = logging.getLogger("prr.actions")


def guarded(run):
    """Wrap an action's `run`: any exception becomes a plain apology, and the conversation stays
    as it was, every answer given so far included.

    In a form, Rasa has already put the message into the slot being asked before validation;
    unchecked, that is not kept, and the same question stays open (Rasa would move to another). The log gets the action and the
    exception's type only: messages of database or key errors can carry values.
    """

    @functools.wraps(run)
    async def guarded_run(self, dispatcher, tracker, domain):
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception as error:
            logger.error("%s failed: %s", self.name(), type(error).__name__)
            dispatcher.messages.clear()  # half a reply would mislead
            dispatcher.utter_message(text=say("channel.action_failed"))
            asked = tracker.get_slot("requested_slot") if tracker.active_loop.get("name") else None
            return [SlotSet(asked, None), SlotSet("requested_slot", asked)] if asked else []

    return guarded_run


def staff_id(tracker: Tracker) -> str:
    """The conversation's sender id is the staff member (set by the channel, not the message)."""
    return tracker.sender_id


def actor(tracker: Tracker):
    """The staff member behind this conversation, or None when the sender is not active staff."""
    from bot.bootstrap import staff_store

    return staff_store().actor(staff_id(tracker))


def channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)
