"""Redaction and deletion of Rasa's stored conversation events (sealed: bot/conversations/sealing.py).

Interview answers must not outlive the interview there: once a case is saved or an intake
cancelled, the events of that interview are redacted; erasing a case deletes them and blanks,
in every sender's conversation, the messages and slot values that name the case (notes and
status-change reasons are typed with its reference); and `prr purge` removes conversations
older than the retention period. This module edits the `events` table directly.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
from collections.abc import Collection

from sqlalchemy import MetaData, Table, delete, inspect, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.conversations.sealing import seal, unseal_all

logger = logging.getLogger("prr.conversations")
REDACTED = "[redacted]"


class ConversationEvents:
    """The conversation store as the case service sees it: redact an interview, delete one,
    forget what was said about a case."""

    def __init__(self, engine: Engine, interview_slots: Collection[str]):
        self._engine = engine
        self._interview_slots = interview_slots  # the slots that hold interview answers

    def redact(self, sender_id: str, since: float) -> int:
        try:
            return redact(self._engine, sender_id, since, self._interview_slots)
        except SQLAlchemyError as error:  # the case is saved; a failed redaction must not undo that
            logger.error("could not redact the interview from the conversation store: %s", type(error).__name__)
            return 0

    def delete_between(self, sender_id: str, since: float, until: float) -> int:
        return delete_between(self._engine, sender_id, since, until)

    def redact_mentions(self, reference: str) -> int:
        return redact_mentions(self._engine, reference)


def _events(engine: Engine) -> Table | None:
    if not inspect(engine).has_table("events"):
        logger.warning("no Rasa events table in this database: is the SQL tracker store configured?")
        return None
    return Table("events", MetaData(), autoload_with=engine)


def _scrub(data: dict, interview_slots: Collection[str] = ()) -> dict:
    kind = data.get("event")
    if kind == "user":
        data["text"] = REDACTED
        parse = data.get("parse_data") or {}
        parse["text"], parse["entities"] = REDACTED, []
        data["parse_data"] = parse
    elif kind == "bot":
        data["text"] = REDACTED
        data["data"] = {}
    elif kind == "slot" and data.get("name") in interview_slots:
        data["value"] = None
    return data


def redact(engine: Engine, sender_id: str, since: float, interview_slots: Collection[str]) -> int:
    """Blank the user texts, bot texts and interview slot values of one conversation since `since`."""
    events = _events(engine)
    if events is None:
        return 0
    changed = 0
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA secure_delete = ON"))  # overwrite the old bytes, not just unlink them
        rows = conn.execute(
            select(events.c.id, events.c.data).where(events.c.sender_id == sender_id, events.c.timestamp >= since)
        ).all()
        for (row_id, _), data in zip(rows, unseal_all([stored for _, stored in rows]), strict=True):
            scrubbed = _scrub(copy.deepcopy(data), interview_slots)
            if scrubbed != data:
                conn.execute(update(events).where(events.c.id == row_id).values(data=seal(scrubbed)))
                changed += 1
    _checkpoint(engine)
    return changed


def redact_mentions(engine: Engine, reference: str, batch_size: int = 500) -> int:
    """Blank, in every sender's conversation, the user texts, bot texts and slot values that name
    `reference` (as typed, in any case); returns how many events changed. Every sealed event is
    opened to look, in batches, so this is for a rare operation such as erasing a case."""
    events = _events(engine)
    if events is None:
        return 0
    mentions = re.compile(rf"(?<![\w-]){re.escape(reference)}(?![\w-])", re.IGNORECASE)
    changed, last_id = 0, 0
    while True:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("PRAGMA secure_delete = ON"))
            rows = conn.execute(
                select(events.c.id, events.c.data)
                .where(events.c.id > last_id, events.c.type_name.in_(("user", "bot", "slot")))
                .order_by(events.c.id)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            last_id = rows[-1][0]
            for (row_id, _), data in zip(rows, unseal_all([stored for _, stored in rows]), strict=True):
                if mentions.search(json.dumps(data, ensure_ascii=False)):
                    conn.execute(update(events).where(events.c.id == row_id).values(data=seal(_blank(data, mentions))))
                    changed += 1
    _checkpoint(engine)
    return changed


def _blank(data: dict, mentions: re.Pattern) -> dict:
    scrubbed = _scrub(copy.deepcopy(data))
    if scrubbed.get("event") == "slot":
        scrubbed["value"] = None  # whichever slot: a case reference is no interview answer
    if mentions.search(json.dumps(scrubbed, ensure_ascii=False)):  # still named elsewhere (metadata, ...)
        scrubbed = {key: scrubbed[key] for key in ("event", "timestamp", "name") if key in scrubbed}
    return scrubbed


def delete_between(engine: Engine, sender_id: str, since: float, until: float) -> int:
    """Delete one conversation's events in a time window (a case's interview, on erasure)."""
    return _delete(
        engine,
        lambda events: [events.c.sender_id == sender_id, events.c.timestamp >= since, events.c.timestamp <= until],
    )


def purge_older_than(engine: Engine, seconds: float) -> int:
    """Delete every event older than the retention period; returns how many."""
    cutoff = time.time() - seconds
    return _delete(engine, lambda events: [events.c.timestamp < cutoff])


def _delete(engine: Engine, conditions) -> int:
    events = _events(engine)
    if events is None:
        return 0
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA secure_delete = ON"))
        count = conn.execute(delete(events).where(*conditions(events))).rowcount
    _checkpoint(engine)
    return count


def _checkpoint(engine: Engine) -> None:
    # SQLite keeps earlier page images in the -wal file until a checkpoint; truncate it.
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
