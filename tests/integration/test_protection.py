"""Key rotation, conversation redaction and retention, and the schema migration of old data."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import create_engine, text

from bot.cases.store import CaseStore
from bot.conversations import redaction, sealing
from bot.intake.flow import SLOTS
from bot.security import crypto
from bot.security.key_rotation import rotate
from bot.staff.models import Actor
from bot.storage.db import session_factory
from bot.storage.migrate import alembic_config
from tests.support.factories import ADULT

SUPERVISOR = Actor("5", "supervisor")


@pytest.fixture
def own_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("PRR_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("PRR_AUDIT_DIR", str(tmp_path / "audit"))  # its keys sign its own anchors
    monkeypatch.delenv("PRR_DATA_KEY", raising=False)
    crypto.reset()
    crypto.create_first_key()
    yield
    crypto.reset()


def test_a_new_sqlite_database_is_private(tmp_path):
    from bot.storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'prr.db'}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
    engine.dispose()
    assert oct((tmp_path / "new" / "prr.db").stat().st_mode & 0o777) == "0o600"


def test_key_file_is_private(own_keys):
    crypto.encrypt("x")
    assert oct(crypto.key_file().stat().st_mode & 0o777) == "0o600"


def test_rotation_interrupted_half_way_then_completed_keeps_every_case_readable(own_keys, sqlite_url):
    store = CaseStore(session_factory(sqlite_url))
    refs = [store.save_intake(ADULT, actor=SUPERVISOR, channel="shell") for _ in range(4)]
    store.add_note(refs[0], "a private note", actor=SUPERVISOR, channel="shell")
    old_key = crypto.read_keys()[0]
    engine = create_engine(sqlite_url)

    first = rotate(engine, batch_size=3, stop_after=20)  # "interrupted" after 20 values
    assert not first.finished and first.reencrypted == 20
    keys = crypto.read_keys()
    assert len(keys) == 2 and keys[1] == old_key  # new key first, old one still readable
    assert all(store.get(r, actor=SUPERVISOR, channel="shell").full_name == "Aigerim Sultanova" for r in refs)

    second = rotate(engine, batch_size=3)  # run again: it continues with the same new key
    assert second.finished and second.keys_dropped == 1
    assert crypto.read_keys() == [keys[0]]
    for ref in refs:
        case = store.get(ref, actor=SUPERVISOR, channel="shell")
        assert case.full_name == "Aigerim Sultanova" and case.notes == "arrived with three children"
    assert store.get(refs[0], actor=SUPERVISOR, channel="shell").case_notes[0].text == "a private note"
    with engine.connect() as conn:  # nothing is left that only the old key could read
        token = conn.execute(text("SELECT full_name FROM cases LIMIT 1")).scalar_one()
    from cryptography.fernet import Fernet, InvalidToken

    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(token.encode())


def _events_table(engine):
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                "timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"
            )
        )


def _add(engine, sender, ts, data):
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :t, :ts, :d)"),
            {"s": sender, "t": data["event"], "ts": ts, "d": json.dumps(data)},
        )


def test_redaction_blanks_the_interview_and_leaves_the_rest(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    _events_table(engine)
    _add(engine, "7", 100.0, {"event": "user", "text": "what is VERA-2R?", "parse_data": {"text": "what is VERA-2R?"}})
    _add(
        engine,
        "7",
        200.0,
        {"event": "user", "text": "Amina Bekova", "parse_data": {"text": "Amina Bekova", "entities": []}},
    )
    _add(engine, "7", 201.0, {"event": "slot", "name": "full_name", "value": "Amina Bekova"})
    _add(engine, "7", 202.0, {"event": "slot", "name": "requested_slot", "value": "date_of_birth"})
    _add(engine, "8", 203.0, {"event": "user", "text": "Other Person", "parse_data": {"text": "Other Person"}})
    assert redaction.redact(engine, "7", 150.0, SLOTS) == 2
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT data FROM events ORDER BY id")).scalars().all()
    assert "VERA-2R" in stored[0] and "Amina" not in "".join(stored[1:3])
    assert "date_of_birth" in stored[3] and "Other Person" in stored[4]


def test_sealed_events_are_redacted_and_rotated_and_stay_sealed(own_keys, sqlite_url):
    engine = create_engine(sqlite_url)
    _events_table(engine)
    _add(engine, "7", 100.0, {"event": "user", "text": "Old Clear Row"})  # written before events were sealed
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('7', 'slot', 200.0, :d)"),
            {"d": sealing.seal({"event": "slot", "name": "full_name", "value": "Amina Bekova"})},
        )
    assert redaction.redact(engine, "7", 150.0, SLOTS) == 1
    old_key = crypto.read_keys()[0]
    assert rotate(engine).finished
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT data FROM events ORDER BY id")).scalars().all()
    from cryptography.fernet import Fernet, InvalidToken

    for token in stored:
        with pytest.raises(InvalidToken):
            Fernet(old_key).decrypt(token.encode())
    assert sealing.unseal_all(stored) == [
        {"event": "user", "text": "Old Clear Row"},
        {"event": "slot", "name": "full_name", "value": None},
    ]


def test_purge_removes_only_old_conversations(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    _events_table(engine)
    _add(engine, "7", time.time() - 40 * 86400, {"event": "user", "text": "old"})
    _add(engine, "7", time.time() - 3600, {"event": "user", "text": "recent"})
    assert redaction.purge_older_than(engine, 30 * 86400) == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT data FROM events")).scalars().all() == [
            json.dumps({"event": "user", "text": "recent"})
        ]


def test_migrating_an_existing_database_encrypts_its_case_data(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cases (reference, status, created_by, channel, created_at, updated_at, intake_type, full_name, "
                "date_of_birth, sex, nationality, nationality_verification, role, association, legal_status, consent, unaccompanied) "
                "VALUES ('PRR-2026-0001', 'intake', '1', 'shell', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'other', 'Old Name', "
                "'2001-02-03', 'male', 'KAZ', 'documents', 'fighter', 'voluntary', 'none', 1, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO case_notes (case_id, author, channel, created_at, text) VALUES (1, '1', 'shell', '2026-01-01 00:00:00', 'old note')"
            )
        )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT full_name, date_of_birth FROM cases")).one()
    assert all(v.startswith("gAAAAA") for v in raw)
    case = CaseStore(session_factory(url)).get("PRR-2026-0001", actor=SUPERVISOR, channel="test")
    assert case.full_name == "Old Name" and str(case.date_of_birth) == "2001-02-03" and case.unaccompanied is False
    assert case.case_notes[0].text == "old note"
