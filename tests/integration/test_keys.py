"""Data keys that cannot be lost or mixed silently: the start-up check, `prr keys`, and rotation
that is locked against a second run and survives being killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, text
from sqlalchemy.exc import StatementError

from bot import bootstrap
from bot.cases.access import Actor
from bot.cases.store import CaseStore
from bot.cli import main
from bot.security import crypto, key_check
from bot.security.key_rotation import rotate
from bot.staff.store import StaffStore
from bot.storage.db import engine_for, session_factory
from tests.support.factories import ADULT
from tests.support.paths import ROOT

SUPERVISOR = Actor("5", "supervisor")
ADMIN_PASSWORD = "an admin password for tests"


@pytest.fixture
def keyed_db(tmp_path, monkeypatch):
    """A migrated SQLite database, its own keys folder (key made by the start-up check), two cases."""
    monkeypatch.setenv("PRR_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("PRR_AUDIT_DIR", str(tmp_path / "audit"))  # its keys sign its own anchors
    monkeypatch.delenv("PRR_DATA_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'prr.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    crypto.reset()
    assert "new data key" in prr("db", "upgrade").output
    StaffStore(session_factory(url)).add("k.admin", "admin", first_admin_password=ADMIN_PASSWORD)
    monkeypatch.setenv("PRR_PASSWORD", ADMIN_PASSWORD)  # the admin's, for the commands that need one
    store = CaseStore(session_factory(url))
    refs = [store.save_intake(ADULT, actor=SUPERVISOR, channel="shell") for _ in range(2)]
    yield url, refs
    crypto.reset()
    bootstrap._checked.clear()


def prr(*args: str):
    bootstrap._checked.clear()  # each invocation stands for a new process
    return CliRunner().invoke(main, list(args))


def readable(url: str, refs: list[str]) -> bool:
    store = CaseStore(session_factory(url))
    return all(store.get(r, actor=SUPERVISOR, channel="shell").full_name == "Aigerim Sultanova" for r in refs)


def test_a_missing_key_stops_commands_and_servers_and_no_new_key_is_made(keyed_db, tmp_path):
    url, refs = keyed_db
    crypto.key_file().rename(tmp_path / "moved-away.keys")
    crypto.reset()
    for command in (["staff", "list"], ["audit", "verify"], ["web", "--listen", "127.0.0.1:1"], ["keys", "init"]):
        refused = prr(*command)
        assert refused.exit_code == 1, command
        assert "is missing" in refused.output and "Keys and backups" in refused.output
    assert not crypto.key_file().exists()  # nothing written under a stray key
    with pytest.raises(StatementError, match="is missing"):  # a running server makes no key either
        CaseStore(session_factory(url)).save_intake(ADULT, actor=SUPERVISOR, channel="shell")

    (tmp_path / "moved-away.keys").rename(crypto.key_file())
    assert prr("staff", "list").exit_code == 0 and readable(url, refs)


def test_the_rasa_server_does_not_start_without_the_key(keyed_db, tmp_path):
    from rasa.shared.core.domain import Domain

    from bot.rasa_plugins.tracker_store import RedactingSQLTrackerStore

    crypto.key_file().rename(tmp_path / "moved-away.keys")
    crypto.reset()
    with pytest.raises(crypto.DataKeyError, match="is missing"):  # raised while Rasa loads its tracker store
        RedactingSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "prr.db"))
    assert not crypto.key_file().exists()


def test_the_action_server_does_not_start_without_the_key(keyed_db, tmp_path):
    url, _ = keyed_db
    crypto.key_file().rename(tmp_path / "moved-away.keys")
    env = {**os.environ, "DATABASE_URL": url, "PRR_ACTIONS_TOKEN": "an actions token of at least 32 characters"}
    command = [sys.executable, "-m", "bot.rasa_plugins.action_server", "--port", "1"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert done.returncode != 0
    assert "The action server cannot start" in done.stderr.decode() and "is missing" in done.stderr.decode()
    assert not crypto.key_file().exists()


def test_a_key_that_does_not_match_the_database_is_refused(keyed_db):
    url, refs = keyed_db
    original = crypto.key_file().read_text()
    crypto.key_file().write_text(crypto.new_key() + "\n")
    crypto.reset()
    refused = prr("staff", "list")
    assert refused.exit_code == 1 and "does not match the one this database was encrypted with" in refused.output
    crypto.key_file().write_text(original)
    crypto.reset()
    assert prr("staff", "list").exit_code == 0 and readable(url, refs)


def test_a_database_from_before_the_check_keeps_only_a_key_that_reads_its_data(keyed_db):
    url, refs = keyed_db
    engine = engine_for(url)
    with engine.begin() as conn:  # as migrated from a version without fingerprints
        conn.execute(delete(key_check.fingerprints))
    original = crypto.key_file().read_text()
    crypto.key_file().write_text(crypto.new_key() + "\n")
    crypto.reset()
    with pytest.raises(crypto.DataKeyError, match="does not match"):
        key_check.check_data_key(engine)
    assert key_check.recorded_fingerprints(engine) == set()
    crypto.key_file().write_text(original)
    crypto.reset()
    assert key_check.check_data_key(engine) == "recorded"
    assert key_check.recorded_fingerprints(engine) == {crypto.fingerprint(original.strip())}


def test_keys_init_makes_a_key_only_for_a_database_without_encrypted_data(tmp_path, monkeypatch):
    monkeypatch.setenv("PRR_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("PRR_AUDIT_DIR", str(tmp_path / "audit"))  # its keys sign its own anchors
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prr.db'}")
    monkeypatch.delenv("PRR_DATA_KEY", raising=False)
    crypto.reset()
    assert prr("keys", "init").exit_code == 1  # no schema yet: nothing to record the key in
    from bot.storage.migrate import upgrade

    upgrade(f"sqlite:///{tmp_path / 'prr.db'}")
    made = prr("keys", "init")
    assert made.exit_code == 0 and "back it up" in made.output
    assert oct(crypto.key_file().stat().st_mode & 0o777) == "0o600"
    again = prr("keys", "init")
    assert again.exit_code == 1 and "already exists" in again.output
    bootstrap._checked.clear()


def test_a_rotation_stopped_after_writing_its_new_key_is_adopted_and_finished(keyed_db):
    url, refs = keyed_db
    old = crypto.read_keys()
    crypto.write_keys([crypto.new_key(), *old])  # killed before recording the new key's fingerprint
    CaseStore(session_factory(url)).save_intake(ADULT, actor=SUPERVISOR, channel="shell")  # under the new key
    assert key_check.check_data_key(engine_for(url)) == "ok"
    assert crypto.fingerprint(crypto.read_keys()[0]) in key_check.recorded_fingerprints(engine_for(url))
    report = rotate(engine_for(url), batch_size=2)
    assert report.finished and len(crypto.read_keys()) == 1 and readable(url, refs)


ROTATE_AND_STOP = """
import os, signal, sys, time
from pathlib import Path
from bot.security import crypto, key_rotation
from bot.storage.db import make_engine

url, marker, how = sys.argv[1:4]
real, calls = crypto.reencrypt, []

def reencrypt_then_stop(token):
    calls.append(1)
    if len(calls) == 5:  # mid-batch: earlier batches committed, this one open
        Path(marker).write_text("in the middle of a batch")
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(120)
    return real(token)

crypto.reencrypt = reencrypt_then_stop
key_rotation.rotate(make_engine(url), batch_size=3)
"""


def _rotation_in_subprocess(url: str, tmp_path, how: str) -> subprocess.Popen:
    marker = tmp_path / f"marker-{how}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", ROTATE_AND_STOP, url, str(marker), how], env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None or how == "kill", "the rotation ended before the middle of a batch"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return process


def test_a_second_rotation_is_refused_and_a_killed_one_resumes_leaving_every_case_readable(keyed_db, tmp_path):
    url, refs = keyed_db
    store = CaseStore(session_factory(url))
    refs += [store.save_intake(ADULT, actor=SUPERVISOR, channel="shell") for _ in range(3)]
    store.add_note(refs[0], "a private note", actor=SUPERVISOR, channel="shell")
    old_key = crypto.read_keys()[0]

    running = _rotation_in_subprocess(url, tmp_path, "hold")
    try:
        second = prr("keys", "rotate", "--as", "k.admin")
        assert second.exit_code == 1 and "Another key rotation is running" in second.output
        with pytest.raises(crypto.KeysBusy):
            rotate(engine_for(url))
    finally:
        running.send_signal(signal.SIGKILL)  # killed in the middle of a batch
        running.wait()
    crypto.reset()
    keys = crypto.read_keys()
    assert len(keys) == 2 and keys[1] == old_key and readable(url, refs)

    killed = _rotation_in_subprocess(url, tmp_path, "kill")  # killed again, by itself, mid-batch
    assert killed.wait() == -signal.SIGKILL
    crypto.reset()
    assert crypto.read_keys() == keys and readable(url, refs)  # resumes with the same new key

    finished = prr("keys", "rotate", "--as", "k.admin")
    assert finished.exit_code == 0 and "1 old key(s) removed" in finished.output
    crypto.reset()
    assert crypto.read_keys() == keys[:1] and readable(url, refs)
    assert key_check.recorded_fingerprints(engine_for(url)) == {crypto.fingerprint(keys[0])}
    assert CaseStore(session_factory(url)).get(refs[0], actor=SUPERVISOR, channel="shell").case_notes[0].text == (
        "a private note"
    )
    with engine_for(url).connect() as conn:
        stored = conn.execute(text("SELECT full_name FROM cases")).scalars().all()
    assert not any(crypto.readable_by(crypto.fernet_for([old_key]), token) for token in stored)
    assert not [p for p in crypto.key_file().parent.iterdir() if p.name.startswith(".data.keys.")]  # no temp files


def test_rotation_backs_up_the_new_key_before_re_encrypting_anything(keyed_db, tmp_path):
    url, refs = keyed_db
    old_key = crypto.read_keys()[0]
    taken = tmp_path / "taken"
    taken.write_text("someone else's file")
    refused = prr("keys", "rotate", "--with-keys", str(taken), "--as", "k.admin")
    assert refused.exit_code == 1 and "already exists" in refused.output
    with engine_for(url).connect() as conn:  # nothing moved to the new key, which no backup holds
        stored = conn.execute(text("SELECT full_name FROM cases")).scalars().all()
    assert all(crypto.readable_by(crypto.fernet_for([old_key]), token) for token in stored)

    key_backup = tmp_path / "keys-after-rotation"
    assert prr("keys", "rotate", "--with-keys", str(key_backup), "--as", "k.admin").exit_code == 0
    saved = [line for line in key_backup.read_text().splitlines() if not line.startswith(("#", "audit-key: "))]
    assert saved == [crypto.read_keys()[0], old_key] and oct(key_backup.stat().st_mode & 0o777) == "0o600"


def test_rotation_with_keys_in_the_environment_tells_the_operator_to_shorten_them(keyed_db, monkeypatch):
    url, refs = keyed_db
    old_key, new_key = crypto.read_keys()[0], crypto.new_key()
    monkeypatch.setenv("PRR_DATA_KEY", old_key)
    refused = prr("keys", "rotate", "--as", "k.admin")
    assert refused.exit_code == 1 and "put a new key first" in refused.output
    monkeypatch.setenv("PRR_DATA_KEY", f"{new_key},{old_key}")
    done = prr("keys", "rotate", "--as", "k.admin")
    assert done.exit_code == 0 and "set PRR_DATA_KEY to its first key alone" in done.output
    monkeypatch.setenv("PRR_DATA_KEY", new_key)
    assert prr("staff", "list").exit_code == 0 and readable(url, refs)
    monkeypatch.setenv("PRR_DATA_KEY", old_key)  # a node left on the old key
    assert "does not match" in prr("staff", "list").output
