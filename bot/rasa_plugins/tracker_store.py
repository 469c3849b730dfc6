"""Rasa's SQL tracker store, sealed, without the assistant's own words, with bounded history.

- Each event's data is sealed (encrypted with the data key, bot/conversations/sealing.py) before it
  is written and opened when read, so an unfinished interview is not in clear on disk.

- What the assistant said (answers, reviews, case views with names and dates) is sent to the
  channel and then stored as "[not kept]": the dialogue policies need which action ran, not its
  text. Interview answers in user messages and slots are redacted by the actions once a case is
  saved or an intake cancelled (bot/conversations/redaction.py).
- Stock Rasa reloads and replays a conversation's whole session on every turn, so a turn gets
  slower as the conversation grows. Every MAX_SESSION_EVENTS events, at the end of a turn, this
  store starts a new session that carries the current slots and open form over, as Rasa's own
  session start does; Rasa then loads only that session. The state after a boundary is the
  state before it.
- Rasa answers a store that fails to read a conversation with an empty one, and would then save
  that over it. When the stored events cannot be opened (a data key missing or not fitting),
  this store refuses to save for that sender until a read succeeds again, so the interview
  waits, intact, for the right key.
- Rasa finds a session with a query on (sender, event type, timestamp) but indexes only the
  sender, so each turn read every event the sender ever had. Two indexes make that a lookup.
  On SQLite, Rasa's engine opened a new connection for every query; ours keeps them in a pool.
- Rasa counts a session's stored events on every save to know which are new; we remember how
  many were loaded (or saved) with the tracker and count only for a tracker we did not load.
- SQLite: conversation events are committed with synchronous=NORMAL (WAL), so a turn does not
  wait for the disk while every other conversation waits for it too. A process crash loses
  nothing; a power cut may lose the last turns of a conversation (the user is asked again),
  never corrupt the file. Cases, notes and the audit trail are written by our own engine with
  SQLite's full sync.
"""

from __future__ import annotations

import itertools
import logging

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations import sealing
from bot.rasa_plugins import hot_paths  # noqa: F401  (importing it installs Rasa's per-turn fixes)
from bot.security import key_check
from bot.security.crypto import DataKeyError

NOT_KEPT = "[not kept]"
MAX_SESSION_EVENTS = 60
LOOPS_TO_CARRY = ("intake_form",)  # a two-stage fallback in progress is left to finish first
EVENT_INDEXES = {
    "prr_events_session_start": "sender_id, type_name, timestamp",  # the latest SessionStarted
    "prr_events_sender_time": "sender_id, timestamp",  # the events since it
}
STORED = "_prr_stored_events"  # set on a tracker: how many of its events are in the table
logger = logging.getLogger(__name__)


class RedactingSQLTrackerStore(SQLTrackerStore):
    engine: sa.engine.Engine

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 gives file databases no pool; Rasa uses the engine from one thread.
            self.engine = sa.create_engine(
                self.engine.url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False, "timeout": 30}
            )
            sa.event.listen(self.engine, "connect", _conversation_pragmas)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self._create_event_indexes()
        # Rasa does not start with a missing or wrong data key (bot/security/key_check.py).
        key_check.check_data_key(self.engine)
        self._unreadable: set[str] = set()  # senders whose stored events could not be opened

    def _create_event_indexes(self) -> None:
        for name, columns in EVENT_INDEXES.items():
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON events ({columns})"))
            except sa.exc.DBAPIError as error:  # another server creating it at the same moment
                logger.info("Index %s not created here: %s", name, error.__class__.__name__)

    async def _retrieve(self, sender_id, fetch_events_from_all_sessions):
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions).all()
            try:
                events = sealing.unseal_all([row.data for row in rows])
            except DataKeyError:
                self._unreadable.add(sender_id)
                raise
        self._unreadable.discard(sender_id)
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED, len(tracker.events))
        return tracker

    def _additional_events(self, session, tracker):
        stored = getattr(tracker, STORED, None)
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker) -> None:
        if tracker.sender_id in self._unreadable:
            raise DataKeyError(
                "Not saved: this conversation's stored events could not be opened with the current keys."
            )
        for event in tracker.events:
            if isinstance(event, BotUttered) and event.text and event.text != NOT_KEPT:
                event.text = NOT_KEPT
        self._bound_session(tracker)
        await self.stream_events(tracker)
        with self.session_scope() as session:
            # The columns Rasa fills, with the data sealed.
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=((data.get("parse_data") or {}).get("intent") or {}).get("name"),
                        action_name=data.get("name"),
                        data=sealing.seal(data),
                    )
                )
            session.commit()
        setattr(tracker, STORED, len(tracker.events))

    @staticmethod
    def _bound_session(tracker) -> None:
        events = list(tracker.events)
        since_start = next((i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], SessionStarted)), -1)
        if len(events) - since_start - 1 < MAX_SESSION_EVENTS or tracker.latest_action_name != ACTION_LISTEN_NAME:
            return
        loop = tracker.active_loop_name
        if loop is not None and loop not in LOOPS_TO_CARRY:
            return
        values = {
            name: slot.value
            for name, slot in tracker.slots.items()
            if slot.value is not None and slot.value != slot.initial_value
        }
        # Events made after SessionStarted: Rasa loads a session by timestamp, from its start on.
        tracker.update(SessionStarted())
        for name, value in values.items():
            tracker.update(SlotSet(name, value))
        if loop is not None:
            tracker.update(ActiveLoop(loop))
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))


def _conversation_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
