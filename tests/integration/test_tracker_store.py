"""Our tracker store keeps exactly the events of a conversation: none lost, none twice."""

from __future__ import annotations

import asyncio
import json

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.conversations.sealing import unseal_all
from bot.rasa_plugins import tracker_store as module
from tests.support.paths import ROOT


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain"))


def stored_rows(path, sender):
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).all()
    engine.dispose()
    return rows


def turn(tracker, said):
    tracker.update(UserUttered(said, {"name": "ask_knowledge", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_answer_knowledge"))
    tracker.update(BotUttered("an answer naming Amina"))
    tracker.update(ActionExecuted("action_listen"))


def test_turns_saved_by_one_store_and_read_by_another_are_each_stored_once(tmp_path, domain):
    path = tmp_path / "conversations.db"
    first = module.RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    second = module.RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    fresh = DialogueStateTracker("officer", domain.slots)  # never loaded: the store must count
    turn(fresh, "question 0")
    asyncio.run(first.save(fresh))
    for n in range(1, 6):
        store = (first, second)[n % 2]  # as two servers behind a lock store would
        tracker = asyncio.run(store.retrieve("officer"))
        turn(tracker, f"question {n}")
        asyncio.run(store.save(tracker))
        asyncio.run(store.save(tracker))  # saving twice adds nothing
    rows = stored_rows(path, "officer")
    users = [row for row in rows if row.type_name == "user"]
    assert [data["text"] for data in unseal_all([row.data for row in users])] == [f"question {n}" for n in range(6)]
    assert len(rows) == 24
    assert "Amina" not in json.dumps(unseal_all([row.data for row in rows]))  # the assistant's words are not kept


def test_what_was_typed_is_sealed_on_disk_and_old_clear_rows_still_read(tmp_path, domain):
    path = tmp_path / "conversations.db"
    store = module.RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # a row as an earlier version wrote it
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('officer', 'slot', 1.0, :d)"),
            {"d": json.dumps({"event": "slot", "name": "full_name", "value": "Old Clear", "timestamp": 1.0})},
        )
    engine.dispose()
    tracker = asyncio.run(store.retrieve("officer"))
    assert tracker.get_slot("full_name") == "Old Clear"
    tracker.update(SlotSet("date_of_birth", "1985-05-01"))
    turn(tracker, "Saltanat Sealedova")
    asyncio.run(store.save(tracker))
    rows = stored_rows(path, "officer")
    assert all(row.data.startswith("gAAAAA") for row in rows[1:])  # Fernet tokens
    on_disk = b"".join(
        p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(path.name)
    )  # with -wal, -journal
    assert b"Sealedova" not in on_disk and b"1985-05-01" not in on_disk
    loaded = asyncio.run(store.retrieve("officer"))
    assert loaded.get_slot("date_of_birth") == "1985-05-01" and loaded.latest_message.text == "Saltanat Sealedova"


def test_a_long_conversation_is_loaded_from_its_last_session_with_the_slots(tmp_path, domain, monkeypatch):
    monkeypatch.setattr(module, "MAX_SESSION_EVENTS", 8)
    path = tmp_path / "conversations.db"
    store = module.RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker("officer", domain.slots)
    tracker.update(SlotSet("full_name", "Amina Bekova"))
    asyncio.run(store.save(tracker))
    for n in range(10):
        tracker = asyncio.run(store.retrieve("officer"))
        turn(tracker, f"question {n}")
        asyncio.run(store.save(tracker))
    loaded = asyncio.run(store.retrieve("officer"))
    assert loaded.get_slot("full_name") == "Amina Bekova"
    assert len(loaded.events) <= 8 + 4 + 3  # one session, not the whole conversation
    assert sum(isinstance(e, SessionStarted) for e in loaded.events) == 1
    rows = stored_rows(path, "officer")
    assert len([row for row in rows if row.type_name == "user"]) == 10


def test_a_conversation_that_the_keys_cannot_open_is_not_overwritten_and_reads_again_with_the_right_key(
    tmp_path, domain, monkeypatch
):
    from cryptography.fernet import Fernet
    from rasa.core.tracker_store import FailSafeTrackerStore

    right, wrong = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("PRR_DATA_KEY", right)
    # Wrapped as Rasa wraps every tracker store: on a failed read it carries on with an empty conversation.
    store = FailSafeTrackerStore(
        module.RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "c.db"))
    )
    tracker = DialogueStateTracker("officer", domain.slots)
    tracker.update(SlotSet("full_name", "Amina Keptova"))
    asyncio.run(store.save(tracker))

    monkeypatch.setenv("PRR_DATA_KEY", wrong)
    emptied = asyncio.run(store.retrieve("officer")) or DialogueStateTracker("officer", domain.slots)
    assert emptied.get_slot("full_name") is None
    emptied.update(SessionStarted())
    turn(emptied, "a turn while the key is wrong")
    asyncio.run(store.save(emptied))  # Rasa saves the empty conversation: refused, kept in memory only

    monkeypatch.setenv("PRR_DATA_KEY", right)
    assert asyncio.run(store.retrieve("officer")).get_slot("full_name") == "Amina Keptova"
