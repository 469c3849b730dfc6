"""Erasing a case also blanks what was typed about it in every stored conversation, with the
events written by our tracker store (sealed) into the case store's own database."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bot.cases.store import CaseStore
from bot.conversations.sealing import unseal_all
from bot.rasa_plugins.tracker_store import RedactingSQLTrackerStore
from bot.staff.models import Actor
from bot.storage.db import session_factory
from tests.support.factories import ADULT
from tests.support.paths import ROOT

INTAKE = Actor("1", "intake", "i.one")
SUPERVISOR = Actor("5", "supervisor", "s.five")


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain"))


def tracker_store(db_url: str, domain: Domain) -> RedactingSQLTrackerStore:
    url = make_url(db_url)
    if url.drivername.startswith("sqlite"):
        return RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=url.database)
    return RedactingSQLTrackerStore(
        domain=domain, dialect="postgresql", host=url.host, port=url.port, db=url.database, username=url.username
    )


def no_events_yet(db_url: str) -> None:
    engine = create_engine(db_url)
    if inspect(engine).has_table("events"):  # PostgreSQL's database is shared by the session's tests
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM events"))
    engine.dispose()


def say(store, sender: str, typed: str, intent: str, action: str, reference: str | None = None) -> None:
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, store.domain.slots)
    entities = [{"entity": "case_ref", "value": reference, "start": 0, "end": 1}] if reference else []
    tracker.update(UserUttered(typed, {"name": intent, "confidence": 1.0}, entities))
    tracker.update(ActionExecuted(action))
    tracker.update(BotUttered(f"done: {typed}"))  # stored as "[not kept]" by the store
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))


def stored(db_url: str) -> list[tuple[str, dict]]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sender_id, data FROM events ORDER BY id")).all()
    engine.dispose()
    return list(zip([r[0] for r in rows], unseal_all([r[1] for r in rows]), strict=True))


def test_erasing_a_case_blanks_its_notes_and_reasons_in_every_conversation(db_url, domain):
    no_events_yet(db_url)
    events = tracker_store(db_url, domain)
    cases = CaseStore(session_factory(db_url))
    started = datetime.now(timezone.utc) - timedelta(minutes=5)
    say(events, INTAKE.staff_id, "Aigerim Sultanova", "inform", "intake_form")
    erased = cases.save_intake(ADULT, actor=INTAKE, channel="web", intake_started_at=started)
    kept = cases.save_intake(ADULT, actor=INTAKE, channel="web")
    say(events, SUPERVISOR.staff_id, "what is VERA-2R?", "ask_knowledge", "action_answer_knowledge")
    note = f"add a note to {erased.lower()}: met the mother in Almaty"  # a reference may be typed in any case
    say(events, SUPERVISOR.staff_id, note, "add_case_note", "action_add_case_note", erased)
    cases.add_note(erased, "met the mother in Almaty", actor=SUPERVISOR, channel="web")
    move = f"move {erased} to screening because the uncle confirmed her identity"
    say(events, SUPERVISOR.staff_id, move, "change_case_status", "action_change_case_status", erased)
    cases.change_status(erased, "screening", "the uncle confirmed her identity", actor=SUPERVISOR, channel="web")
    other = f"add a note to {kept}: unrelated visit"
    say(events, SUPERVISOR.staff_id, other, "add_case_note", "action_add_case_note", kept)
    cases.add_note(kept, "unrelated visit", actor=SUPERVISOR, channel="web")
    before = stored(db_url)

    erasure = cases.erase(erased, "court order", actor=SUPERVISOR, channel="cli")

    after = stored(db_url)
    everything = json.dumps(after, ensure_ascii=False)
    assert "Almaty" not in everything and "uncle" not in everything and erased not in everything.upper()
    assert "Aigerim" not in everything  # the interview's own events are deleted
    assert "unrelated visit" in everything and "VERA-2R" in everything  # the rest is untouched
    supervisor_events = [data for sender, data in before if sender == SUPERVISOR.staff_id]
    assert len([data for sender, data in after if sender == SUPERVISOR.staff_id]) == len(supervisor_events)
    assert erasure.events_deleted >= 1 and erasure.events_redacted == 2  # the note and the move
    tracker = asyncio.run(events.retrieve(SUPERVISOR.staff_id))  # the conversation still loads and goes on
    assert tracker.latest_message.text == f"add a note to {kept}: unrelated visit"
    events.engine.dispose()
