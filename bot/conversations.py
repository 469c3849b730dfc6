"""Rasa's conversation events, kept by its SQL tracker store in our database.

Each event's data (what was typed, slot values, the interview so far) is sealed: encrypted
with the data key (bot/security/crypto.py) by `seal` before Rasa's row is written, and opened by
`unseal_all`; rows written as clear JSON by earlier versions are still read, and sealed by the
next key rotation. Only the sender id, event type, time, intent and action names stay clear.

Interview answers must not outlive the interview there: once a case is saved or an intake
cancelled, the events of that interview are redacted; erasing a case deletes them; and
`prr purge` removes conversations older than the retention period. This module edits the
`events` table directly and does not import Rasa.
"""

from __future__ import annotations

import copy
import json
import logging
import time

from sqlalchemy import MetaData, Table, delete, inspect, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.intake.flow import SLOTS
from bot.security import crypto

logger = logging.getLogger("prr.conversations")
REDACTED = "[redacted]"


class ConversationEvents:
    """The conversation store as the case service sees it: redact an interview, delete one."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def redact(self, sender_id: str, since: float) -> int:
        try:
            return redact(self._engine, sender_id, since)
        except SQLAlchemyError as error:  # the case is saved; a failed redaction must not undo that
            logger.error("could not redact the interview from the conversation store: %s", type(error).__name__)
            return 0

    def delete_between(self, sender_id: str, since: float, until: float) -> int:
        return delete_between(self._engine, sender_id, since, until)


def _events(engine: Engine) -> Table | None:
    if not inspect(engine).has_table("events"):
        logger.warning("no Rasa events table in this database: is the SQL tracker store configured?")
        return None
    return Table("events", MetaData(), autoload_with=engine)


def seal(data: dict) -> str:
    return crypto.encrypt(json.dumps(data))


def unseal_all(stored: list[str]) -> list[dict]:
    opened = iter(crypto.decrypt_many([s for s in stored if not is_clear(s)]))
    return [json.loads(s if is_clear(s) else next(opened)) for s in stored]


def is_clear(stored: str) -> bool:
    return stored.lstrip().startswith("{")  # JSON; a sealed value is a Fernet token


def reseal(stored: str) -> str:
    """One step of a key rotation: under the newest key, and clear rows sealed."""
    return seal(json.loads(stored)) if is_clear(stored) else crypto.reencrypt(stored)


def _scrub(data: dict) -> dict:
    kind = data.get("event")
    if kind == "user":
        data["text"] = REDACTED
        parse = data.get("parse_data") or {}
        parse["text"], parse["entities"] = REDACTED, []
        data["parse_data"] = parse
    elif kind == "bot":
        data["text"] = REDACTED
        data["data"] = {}
    elif kind == "slot" and data.get("name") in SLOTS:
        data["value"] = None
    return data


def redact(engine: Engine, sender_id: str, since: float) -> int:
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
            scrubbed = _scrub(copy.deepcopy(data))
            if scrubbed != data:
                conn.execute(update(events).where(events.c.id == row_id).values(data=seal(scrubbed)))
                changed += 1
    _checkpoint(engine)
    return changed


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
