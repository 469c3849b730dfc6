"""Key rotation: re-encrypt every encrypted column (and Rasa's sealed events) under a new data key.

It holds the keys lock (var/keys/.lock) throughout, so a second rotation is refused, and it can
be killed anywhere and run again:
1. If only one key exists, a new key is put first in the key file (written durably), then its
   fingerprint is recorded in the database: new data uses it at once, the old key still reads.
2. Every value the newest key alone cannot read is re-encrypted with it, in committed batches.
3. A second scan checks that the newest key alone reads every value; only then is the old key
   forgotten, first in the database and then in the key file.
Two keys in the key file mean a rotation is under way; running it again finishes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import column as sa_column
from sqlalchemy import inspect, select, update
from sqlalchemy import table as sa_table
from sqlalchemy.engine import Engine

from bot.conversations import sealing
from bot.security import crypto, key_check
from bot.storage.encrypted import Encrypted
from bot.storage.tables import metadata

SCANS = 3  # a value written under the old key by a server that had not yet seen the new one is caught next scan


def encrypted_columns() -> list[tuple]:
    """(table, column) for every Encrypted column of the schema (bot/storage/tables.py): derived, never listed by hand."""
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Encrypted)
    ]


def sealed_columns(engine: Engine) -> list[tuple[str, str, Callable[[str], str]]]:
    """(table, column, re-encrypt) for everything under the data key, our columns and Rasa's events."""
    found: list[tuple[str, str, Callable[[str], str]]] = [
        (table.name, column.name, crypto.reencrypt) for table, column in encrypted_columns()
    ]
    if inspect(engine).has_table("events"):
        found.append(("events", "data", sealing.reseal))
    return found


@dataclass
class RotationReport:
    reencrypted: int
    finished: bool
    keys_dropped: int


class _Stopped(Exception):
    pass


def rotate(
    engine: Engine,
    batch_size: int = 200,
    stop_after: int | None = None,
    before_reencrypting: Callable[[], object] | None = None,
) -> RotationReport:
    """Re-encrypt everything under the newest key. `before_reencrypting` runs once the new key is
    in place (to back it up before any value depends on it); `stop_after` stops early (tests)."""
    with crypto.keys_lock(wait=False):  # KeysBusy when another rotation holds it
        key_check.check_data_key(engine)
        keys = crypto.read_keys()
        if len(keys) == 1:
            if crypto.keys_from_environment():
                raise crypto.DataKeyError(
                    "Keys come from PRR_DATA_KEY: put a new key first in it on every node, then rotate again."
                )
            crypto.write_keys([crypto.new_key(), keys[0]])
            keys = crypto.read_keys()
        key_check.record(engine, crypto.fingerprint(keys[0]))
        if before_reencrypting is not None:
            before_reencrypting()
        newest = crypto.fernet_for(keys[:1])
        done = 0
        try:
            for _ in range(SCANS):
                changed = _reencrypt_all(engine, newest, batch_size, stop_after, done)
                done += changed
                if changed == 0:
                    break
            else:
                raise crypto.DataKeyError("Values under the old key kept appearing; run the rotation again.")
        except _Stopped as stopped:
            return RotationReport(stopped.args[0], False, 0)
        key_check.keep_only(engine, crypto.fingerprint(keys[0]))
        if not crypto.keys_from_environment():  # PRR_DATA_KEY is shortened by the operator, on every node
            crypto.write_keys(keys[:1])
        return RotationReport(done, True, len(keys) - 1)


def _reencrypt_all(engine: Engine, newest, batch_size: int, stop_after: int | None, done: int) -> int:
    """One scan: re-encrypt what the newest key alone cannot read; how many values that was."""
    changed = 0
    for table_name, column_name, reencrypt in sealed_columns(engine):
        raw = sa_table(table_name, sa_column("id"), sa_column(column_name))  # untyped: ciphertext as stored
        last_id = 0
        while True:
            stop = False
            with engine.begin() as conn:
                rows = conn.execute(
                    select(raw.c.id, raw.c[column_name])
                    .where(raw.c.id > last_id, raw.c[column_name].isnot(None))
                    .order_by(raw.c.id)
                    .limit(batch_size)
                ).all()
                for row_id, token in rows:
                    if not sealing.is_clear(token) and crypto.readable_by(newest, token):
                        last_id = row_id
                        continue
                    if stop_after is not None and done + changed >= stop_after:
                        stop = True  # the batch so far is committed, as a cooperative stop leaves it
                        break
                    conn.execute(update(raw).where(raw.c.id == row_id).values({column_name: reencrypt(token)}))
                    changed += 1
                    last_id = row_id
            if stop:
                raise _Stopped(done + changed)
            if len(rows) < batch_size:
                break
    return changed
