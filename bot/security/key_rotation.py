"""Key rotation: re-encrypt every encrypted column (and Rasa's sealed events) under a new data key, resumably.

1. If only one key exists, a new key is put first (new data uses it; the old one still reads).
2. Every encrypted value is re-encrypted with the newest key, in committed batches.
3. When all rows are done, the old keys are dropped.
Interrupted anywhere, running it again continues with the same new key: re-encrypting a
value that already uses the newest key is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import column as sa_column
from sqlalchemy import inspect, select, update
from sqlalchemy import table as sa_table
from sqlalchemy.engine import Engine

from bot.conversations import sealing
from bot.security import crypto
from bot.storage.encrypted import Encrypted
from bot.storage.tables import metadata


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


def rotate(engine: Engine, batch_size: int = 200, stop_after: int | None = None) -> RotationReport:
    """Re-encrypt everything under the newest key. `stop_after` stops early (to test resuming)."""
    keys = crypto.read_keys()
    if len(keys) == 1:
        crypto.write_keys([crypto.new_key(), keys[0]])
    done = 0
    for table_name, column_name, reencrypt in sealed_columns(engine):
        raw = sa_table(table_name, sa_column("id"), sa_column(column_name))  # untyped: ciphertext as stored
        last_id = 0
        while True:
            with engine.begin() as conn:
                rows = conn.execute(
                    select(raw.c.id, raw.c[column_name])
                    .where(raw.c.id > last_id, raw.c[column_name].isnot(None))
                    .order_by(raw.c.id)
                    .limit(batch_size)
                ).all()
                for row_id, token in rows:
                    if stop_after is not None and done >= stop_after:
                        return RotationReport(done, False, 0)
                    conn.execute(update(raw).where(raw.c.id == row_id).values({column_name: reencrypt(token)}))
                    done += 1
                    last_id = row_id
            if len(rows) < batch_size:
                break
    keys = crypto.read_keys()
    crypto.write_keys(keys[:1])
    return RotationReport(done, True, len(keys) - 1)
