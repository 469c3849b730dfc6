"""The real action server process: only our Rasa server (with the actions token) gets an action run."""

from __future__ import annotations

import json
import subprocess
import zlib

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.knowledge.store import load_corpus
from bot.storage.db import session_factory
from bot.storage.migrate import upgrade
from tests.support.paths import ROOT
from tests.support.servers import ACTIONS_TOKEN, Servers, actions_command

pytestmark = pytest.mark.servers

PLANTED_NAME = "Zhanargul Actionserverova"
PLANTED_BIRTH = "1986-07-19"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    servers = Servers(tmp_path_factory.mktemp("actions"))
    upgrade(servers.db_url)
    with session_factory(servers.db_url).begin() as session:
        load_corpus(session, ROOT / "knowledge")
    servers.supervisor = servers.add_staff("s.visor", "supervisor")
    servers.start_actions()
    try:
        yield servers
    finally:
        servers.stop(servers.actions)


def call(server, action="action_list_cases", text_typed="list my cases", headers=None, body=None):
    tracker = {
        "sender_id": server.supervisor,
        "slots": {"full_name": PLANTED_NAME, "date_of_birth": PLANTED_BIRTH},
        "latest_message": {"text": text_typed, "intent": {"name": "list_cases", "confidence": 1.0}, "entities": []},
        "events": [{"event": "user", "text": text_typed, "input_channel": "web"}],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    payload = {"next_action": action, "sender_id": server.supervisor, "tracker": tracker, "domain": {}}
    return requests.post(
        f"http://127.0.0.1:{server.actions_port}/webhook",
        data=body if body is not None else json.dumps(payload),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ACTIONS_TOKEN}", **(headers or {})},
        timeout=30,
    )


def audit_entries(server) -> int:
    engine = create_engine(server.db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "headers, status",
    [
        ({"Authorization": ""}, 401),
        ({"Authorization": "Bearer wrong-token-of-the-same-kind-0123456789"}, 401),
        ({"Authorization": ACTIONS_TOKEN}, 401),  # without "Bearer"
        ({"Authorization": "Bearer é".encode()}, 401),  # not ASCII: refused, not a server error
        ({"Content-Type": "text/plain"}, 415),  # a browser's cross-site "simple" POST
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ({"Host": "attacker.example"}, 421),  # DNS rebinding
    ],
)
def test_a_call_not_from_our_rasa_is_refused_and_runs_no_action(server, headers, status):
    before = audit_entries(server)
    reply = call(server, headers=headers)
    assert reply.status_code == status, reply.text
    assert "events" not in reply.json() and PLANTED_NAME not in reply.text
    assert audit_entries(server) == before  # action_list_cases audits every run: it did not run


def test_a_compressed_body_is_refused_unread(server):
    bomb = zlib.compress(b"{" + b" " * 5_000_000 + b"}")
    assert call(server, headers={"Content-Encoding": "deflate"}, body=bomb).status_code == 415


def test_an_oversized_body_is_refused(server):
    assert call(server, body=b"x" * (3 * 1024 * 1024)).status_code == 413


def test_our_rasas_call_runs_the_action(server):
    before = audit_entries(server)
    reply = call(server)
    assert reply.status_code == 200, reply.text
    assert reply.json()["responses"][0]["text"]
    assert audit_entries(server) == before + 1


def test_a_failing_action_answers_an_apology_and_echoes_no_tracker(server):
    engine = create_engine(server.db_url)
    with engine.begin() as conn:  # the case store breaks under the action: a database error
        conn.execute(text("ALTER TABLE cases RENAME TO cases_away"))
    try:
        reply = call(server, action="action_show_case", text_typed=f"show PRR-2026-0001 for {PLANTED_NAME}")
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE cases_away RENAME TO cases"))
        engine.dispose()
    assert reply.status_code == 200, reply.text
    assert "went wrong" in reply.json()["responses"][0]["text"]
    assert PLANTED_NAME not in reply.text and PLANTED_BIRTH not in reply.text
    log = (server.workdir / "actions.log").read_text()
    assert "action_show_case failed: OperationalError" in log
    assert PLANTED_NAME not in log and PLANTED_BIRTH not in log and "Actionserverova" not in log


def test_the_action_server_listens_on_this_machine_only_and_its_log_is_private(server):
    from tests.support.servers import listening_addresses

    assert listening_addresses(server.actions_port) == {"127.0.0.1"}
    assert (server.workdir / "actions.log").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("content, complaint", [("", "is empty"), ("short-secret\n", "at least 32")])
def test_an_empty_or_short_token_file_stops_the_action_server_at_start_up(tmp_path, server, content, complaint):
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    (keys / "actions.token").write_text(content)
    env = {**server.env, "PRR_KEYS_DIR": str(keys)}
    del env["PRR_ACTIONS_TOKEN"]
    done = subprocess.run(actions_command(server.actions_port + 1), cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert done.returncode != 0
    assert "The action server cannot start" in done.stderr.decode() and complaint in done.stderr.decode()


def test_a_short_bridge_token_stops_the_rasa_server_at_start_up(server):
    env = {**server.env, "PRR_BRIDGE_TOKEN": "too-short"}
    command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "bot.rasa_plugins.serve", "run", "-i", "127.0.0.1"]
    done = subprocess.run([*command, "--port", "1"], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert done.returncode != 0
    assert "The Rasa server cannot start" in done.stderr.decode() and "PRR_BRIDGE_TOKEN" in done.stderr.decode()
