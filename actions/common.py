"""What every action reads from a tracker: who is talking, through which channel."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker

from bot.config import quiet_environment

quiet_environment()

logger = logging.getLogger("prr.actions")


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
