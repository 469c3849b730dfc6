"""Scale-out on existing engines: two Rasa servers and two action servers sharing PostgreSQL
(cases, conversations) and Redis (conversation locks), with 20 intakes at once whose turns
alternate between the two servers."""

from __future__ import annotations

import concurrent.futures as cf
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.cases.store import CaseStore
from bot.knowledge.store import load_corpus
from bot.security.tokens import channel_token
from bot.staff.models import Actor
from bot.storage.db import session_factory
from tests.support.audit import without_audit_guard
from tests.support.paths import ROOT
from tests.support.servers import BRIDGE_TOKEN, Servers

pytestmark = pytest.mark.servers
CONVERSATIONS = 20


class PostgresServers(Servers):
    """One Rasa and one action server on the shared PostgreSQL database and Redis lock store."""

    def __init__(self, workdir, db_url, lock_prefix, actions_port=None):
        super().__init__(workdir)
        self.db_url = db_url
        self.env["DATABASE_URL"] = db_url
        self.write_endpoints("redis://127.0.0.1:6379/5", lock_prefix)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, postgres_url):
    engine = create_engine(postgres_url)
    with engine.begin() as conn:  # a clean start in the shared test database
        without_audit_guard(conn)
        conn.execute(
            text(
                "TRUNCATE cases, case_referrals, case_notes, case_status_changes, case_sequences, "
                "knowledge_sections, staff, access_refusals, audit_log"
            )
        )
    engine.dispose()
    with session_factory(postgres_url).begin() as session:
        load_corpus(session, ROOT / "knowledge")
    prefix = f"prr{uuid.uuid4().hex[:8]}"
    nodes = [PostgresServers(tmp_path_factory.mktemp(f"node{i}"), postgres_url, prefix) for i in range(2)]
    try:
        for node in nodes:  # one after the other: the first creates Rasa's events table
            node.start_actions()
            node.start_rasa()
        yield nodes
    finally:
        for node in nodes:
            node.stop(node.rasa)
            node.stop(node.actions)


def script(n: int) -> list[str]:
    return [
        "start an intake",
        "relocated",
        f"Person Number{'abcdefghijklmnopqrstuvwxyz'[n]}",
        "31.02.2020",
        f"{n + 1}.03.1980",
        "female",
        "Kazakhstan",
        "documents",
        "March 2019",
        f"{n + 2} months",
        "spouse",
        "coerced",
        "none",
        "none",
        "none",
        f"{n % 5}",
        "not yet assessed",
        "legal aid",
        "done",
        "yes",
        f"note {n}",
        "confirm",
    ]


def test_twenty_concurrent_intakes_across_two_servers_are_saved_exactly_once(cluster):
    staff_ids = [cluster[0].add_staff(f"scale{n}", "intake") for n in range(CONVERSATIONS)]
    sent = {sid: 0 for sid in staff_ids}

    def run(n):
        sender = staff_ids[n]
        replies = []
        for turn, message in enumerate(script(n)):
            node = cluster[turn % 2]  # turns alternate between the two Rasa servers
            reply = requests.post(
                f"http://127.0.0.1:{node.rasa_port}/webhooks/bridge/webhook",
                headers={"Authorization": f"Bearer {channel_token('shell', BRIDGE_TOKEN)}"},
                timeout=120,
                json={"sender": sender, "message": message},
            )
            reply.raise_for_status()
            sent[sender] += 1
            replies.append(" ".join(m.get("text") or "" for m in reply.json()))
        return replies

    with cf.ThreadPoolExecutor(CONVERSATIONS) as pool:
        transcripts = list(pool.map(run, range(CONVERSATIONS)))

    for n, replies in enumerate(transcripts):
        assert "not a real date" in replies[3], replies[3]
        assert "The case reference is PRR-" in replies[-1], (n, replies[-3:])

    store = CaseStore(session_factory(cluster[0].db_url))
    supervisor = Actor("scale-check", "supervisor")
    cases = store.list_for(actor=supervisor, channel="test", limit=100)
    assert len(cases) == CONVERSATIONS and len({c.reference for c in cases}) == CONVERSATIONS
    by_creator = {c.created_by: store.get(c.reference, actor=supervisor, channel="test") for c in cases}
    assert set(by_creator) == set(staff_ids)  # exactly one case per conversation
    for n, sid in enumerate(staff_ids):
        case = by_creator[sid]
        assert case.full_name == f"Person Number{'abcdefghijklmnopqrstuvwxyz'[n]}"
        assert str(case.date_of_birth) == f"1980-03-{n + 1:02d}" and case.time_in_conflict_zone_months == n + 2
        assert case.accompanying_children == n % 5 and case.notes == f"note {n}"
        assert [r.referral for r in case.referrals] == ["legal aid"]

    engine = create_engine(cluster[0].db_url)
    with engine.connect() as conn:
        users = dict(
            conn.execute(
                text("SELECT sender_id, COUNT(*) FROM events WHERE type_name = 'user' GROUP BY sender_id")
            ).all()
        )
        doubled = conn.execute(
            text(
                "SELECT COUNT(*) FROM (SELECT sender_id, data FROM events "
                "GROUP BY sender_id, data HAVING COUNT(*) > 1) d"
            )
        ).scalar()
    engine.dispose()
    assert {sid: users.get(sid) for sid in staff_ids} == sent  # every message stored once, none lost
    assert doubled == 0
