"""Rasa's SQL tracker store, without the assistant's own words, and with bounded history.

- What the assistant said (answers, reviews, case views with names and dates) is sent to the
  channel and then stored as "[not kept]": the dialogue policies need which action ran, not its
  text. Interview answers in user messages and slots are redacted by the actions once a case is
  saved or an intake cancelled (bot/conversations.py).
- Stock Rasa reloads and replays a conversation's whole session on every turn, so a turn gets
  slower as the conversation grows. Every MAX_SESSION_EVENTS events, at the end of a turn, this
  store starts a new session that carries the current slots and open form over, as Rasa's own
  session start does; Rasa then loads only that session. The state after a boundary is the
  state before it.
"""
from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet

NOT_KEPT = "[not kept]"
MAX_SESSION_EVENTS = 120
LOOPS_TO_CARRY = ("intake_form",)  # a two-stage fallback in progress is left to finish first


class RedactingSQLTrackerStore(SQLTrackerStore):
    async def save(self, tracker) -> None:
        for event in tracker.events:
            if isinstance(event, BotUttered) and event.text and event.text != NOT_KEPT:
                event.text = NOT_KEPT
        self._bound_session(tracker)
        await super().save(tracker)

    @staticmethod
    def _bound_session(tracker) -> None:
        events = list(tracker.events)
        since_start = next((i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], SessionStarted)), -1)
        if len(events) - since_start - 1 < MAX_SESSION_EVENTS or tracker.latest_action_name != ACTION_LISTEN_NAME:
            return
        loop = tracker.active_loop_name
        if loop is not None and loop not in LOOPS_TO_CARRY:
            return
        values = {name: slot.value for name, slot in tracker.slots.items()
                  if slot.value is not None and slot.value != slot.initial_value}
        # Events made after SessionStarted: Rasa loads a session by timestamp, from its start on.
        tracker.update(SessionStarted())
        for name, value in values.items():
            tracker.update(SlotSet(name, value))
        if loop is not None:
            tracker.update(ActiveLoop(loop))
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
