"""The start-up check that a database and the data keys belong together.

The database records the fingerprints (crypto.fingerprint) of the keys its data may be under,
in `data_key_fingerprints`. Every command and server checks them before touching data:

- no key, and the database holds encrypted data: refuse (a new key would split the data);
- no key and no encrypted data (a fresh install): make the first key;
- a recorded key is not among the keys on hand: refuse, saying how to restore it;
- nothing recorded yet (a database from before the check): record the keys on hand, once one
  encrypted value of every column is seen to decrypt with them.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Column, DateTime, String, Table, delete, insert, inspect, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.security import crypto
from bot.storage.db import Base

fingerprints = Table(
    "data_key_fingerprints",
    Base.metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)


def where_keys_are() -> str:
    return "PRR_DATA_KEY" if crypto.keys_from_environment() else str(crypto.key_file())


def missing_message() -> str:
    return (
        f"The data key in {where_keys_are()} is missing, and this database holds data encrypted with it. "
        f"No new key was made; {crypto.RESTORE_HINT}."
    )


def mismatch_message() -> str:
    return (
        f"The data key in {where_keys_are()} does not match the one this database was encrypted with. "
        f"Nothing was changed; {crypto.RESTORE_HINT}."
    )


def check_data_key(engine: Engine) -> str:
    """Refuse (DataKeyError) unless the keys on hand fit this database; says what it did."""
    if _no_database_yet(engine) or not inspect(engine).has_table(fingerprints.name):
        return "no schema yet"  # `prr db upgrade` comes first; the check runs on the next start
    recorded = recorded_fingerprints(engine)
    if not crypto.has_keys():
        if encrypted_samples(engine):
            raise crypto.DataKeyError(missing_message())
        with crypto.keys_lock():  # two servers starting at once on a fresh install make one key
            if not crypto.has_keys():
                crypto.create_first_key()
        _replace_recorded(engine, [crypto.fingerprint(crypto.read_keys()[0])])
        return "created"
    keys = crypto.read_keys()
    on_hand = [crypto.fingerprint(k) for k in keys]
    if recorded and recorded <= set(on_hand):
        if on_hand[0] not in recorded:  # a rotation stopped after writing its new key
            record(engine, on_hand[0])
        return "ok"
    samples = encrypted_samples(engine)
    if recorded and samples:
        raise crypto.DataKeyError(mismatch_message())
    fernet = crypto.fernet_for(keys)
    if not all(crypto.readable_by(fernet, token) for token in samples):
        raise crypto.DataKeyError(mismatch_message())
    _replace_recorded(engine, on_hand)
    return "recorded"


def _no_database_yet(engine: Engine) -> bool:
    # Looking into a SQLite file that is not there would create it.
    database = engine.url.database
    return engine.dialect.name == "sqlite" and bool(database) and not Path(database).exists()


def recorded_fingerprints(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(fingerprints.c.fingerprint)).scalars())


def record(engine: Engine, fingerprint: str) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(insert(fingerprints).values(fingerprint=fingerprint, added_at=datetime.now(timezone.utc)))
    except IntegrityError:
        pass  # recorded by another process at the same moment


def keep_only(engine: Engine, fingerprint: str) -> None:
    """The end of a rotation: no value is under any other key any more."""
    with engine.begin() as conn:
        conn.execute(delete(fingerprints).where(fingerprints.c.fingerprint != fingerprint))


def _replace_recorded(engine: Engine, on_hand: list[str]) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(delete(fingerprints).where(fingerprints.c.fingerprint.notin_(on_hand)))
            present = set(conn.execute(select(fingerprints.c.fingerprint)).scalars())
            now = datetime.now(timezone.utc)
            for fingerprint in on_hand:
                if fingerprint not in present:
                    conn.execute(insert(fingerprints).values(fingerprint=fingerprint, added_at=now))
    except IntegrityError:  # another server starting at the same moment recorded the same keys
        if not set(on_hand) <= recorded_fingerprints(engine):
            raise


def encrypted_samples(engine: Engine) -> list[str]:
    """One stored ciphertext from every column that holds any (clear event rows are skipped)."""
    from bot.security.key_rotation import sealed_columns

    samples = []
    with engine.connect() as conn:
        for table_name, column_name, _ in sealed_columns(engine):
            value = sa_column(column_name)
            query = select(value).select_from(sa_table(table_name, value)).where(value.isnot(None))
            if table_name == "events":
                query = query.where(~value.startswith("{"))  # clear JSON from before sealing
            found = conn.execute(query.limit(1)).scalar()
            if found:
                samples.append(found)
    return samples


def checked_key_environment() -> tuple:
    """What a cached check depends on besides the database."""
    return (str(crypto.keys_dir()), os.environ.get("PRR_DATA_KEY", ""))
