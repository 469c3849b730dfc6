"""No typed text or intake answer reaches any log, even when a turn times out or fails.

The real Rasa server and action server (tests/support/servers.py). During one intake with a
planted name and date of birth, three failures are forced: a bridge that stops waiting (the
action server is frozen, so the turn is cancelled), a data key that does not fit the stored
conversation (the tracker store fails), and a database error inside an action. Then every log
file the servers wrote is searched.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from tests.support.conversation import drive, joined
from tests.support.servers import BRIDGE_TOKEN, running_servers

pytestmark = pytest.mark.servers

SURNAME = "Logfreeova"
NAME = f"Zhanargul {SURNAME}"
PLANTED = [SURNAME.encode(), b"1987-04-23", b"23.04.1987", b"23 April 1987"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("logs")
    # Their own data key, so that the test can swap it without touching other tests' data.
    with running_servers(workdir, env={"PRR_KEYS_DIR": str(workdir / "keys")}) as servers:
        servers.officer = servers.add_staff("o.logs", "intake")
        yield servers


def post_and_give_up(servers, sender: str, message: str, seconds: float) -> None:
    """What a bridge does when Rasa is slow: post, then close the connection after `seconds`."""
    with pytest.raises(requests.Timeout):
        requests.post(
            f"http://127.0.0.1:{servers.rasa_port}/webhooks/bridge/webhook",
            headers={"Authorization": f"Bearer {BRIDGE_TOKEN}"},
            json={"sender": sender, "message": message, "input_channel": "web"},
            timeout=seconds,
        )


def replace_file(path, content: str) -> None:
    """Replace a key file whole (a new inode), as a key rotation does, so the servers read it again."""
    new = path.with_name(path.name + ".new")
    new.write_text(content)
    new.chmod(0o600)
    os.replace(new, path)


def test_failed_and_cancelled_turns_leave_no_text_or_answer_in_any_log(servers):
    officer = servers.officer
    drive(servers, officer, [("start an intake", "What kind of intake"), ("@other", "full name")])

    # 1. The bridge gives up: the action server is frozen, so Rasa is still waiting on it
    # when the connection closes and Sanic cancels the turn.
    os.kill(servers.actions.pid, signal.SIGSTOP)
    try:
        post_and_give_up(servers, officer, NAME, seconds=3)
        time.sleep(1)  # Rasa handles the closed connection
    finally:
        os.kill(servers.actions.pid, signal.SIGCONT)
    time.sleep(2)  # the frozen call completes, into a closed connection
    drive(servers, officer, [(NAME, "date of birth")])

    # 2. The data key no longer fits the stored conversation: the tracker store fails.
    key_file = servers.workdir / "keys" / "data.keys"
    right_key = key_file.read_text()
    replace_file(key_file, Fernet.generate_key().decode() + "\n")
    try:
        failed = servers.say(officer, "23.04.1987")
    finally:
        replace_file(key_file, right_key)
    assert "Sex?" not in joined(failed)
    drive(servers, officer, [("23.04.1987", "Sex?")])  # nothing given before was lost

    # 3. A database error inside an action, with the name in the message and the tracker.
    engine = create_engine(servers.db_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE knowledge_version RENAME TO knowledge_version_away"))
    try:
        reply = joined(servers.say(officer, f"what does resolution 2396 require for {SURNAME}?"))
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE knowledge_version_away RENAME TO knowledge_version"))
        engine.dispose()
    assert "went wrong" in reply and "Nothing you gave was lost" in reply
    drive(servers, officer, [("female", "nationality")])

    logs = [p for p in servers.workdir.iterdir() if p.suffix == ".log"]
    assert {p.name for p in logs} >= {"rasa.log", "actions.log"}
    for path in logs:
        content = path.read_bytes()
        assert not [n for n in PLANTED if n in content], f"{path.name} holds {[n for n in PLANTED if n in content]}"
        assert path.stat().st_mode & 0o777 == 0o600, path.name
    rasa_log = (servers.workdir / "rasa.log").read_text()
    assert "A turn was cancelled" in rasa_log and "could not be decrypted" in rasa_log  # the failures happened
    assert "validate_intake_form failed: OperationalError" in (servers.workdir / "actions.log").read_text()
