"""`prr backup`: a consistent copy of the database, the keys only when asked and in a file of their
own, and a restore into a new database that reads a case back and passes `prr audit verify`."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from bot import bootstrap
from bot.cases.store import CaseStore
from bot.cli import main
from bot.security import crypto
from bot.staff.store import StaffStore
from bot.storage.db import engine_for, session_factory
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.factories import ADULT

ADMIN_PASSWORD = "an admin password for tests"


def prr(*args: str):
    bootstrap._checked.clear()  # each invocation stands for a new process
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def new_database(db_url, tmp_path):
    """A URL for an empty database of the same kind as `db_url`."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'prr.db'}"
        return
    name = f"prr_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_restored_into_a_new_database_reads_a_case_back_and_the_audit_verifies(
    db_url, new_database, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", db_url)
    staff = StaffStore(session_factory(db_url))
    supervisor = staff.actor(staff.add("s.two", "supervisor").sender_id)
    staff.add("b.admin", "admin", first_admin_password=ADMIN_PASSWORD)
    monkeypatch.setenv("PRR_PASSWORD", ADMIN_PASSWORD)
    assert prr("backup", "create", str(tmp_path / "not-by-a-supervisor"), "--as", "s.two").exit_code == 1
    store = CaseStore(session_factory(db_url))
    ref = store.save_intake(ADULT, actor=supervisor, channel="shell")
    store.add_note(ref, "first visit", actor=supervisor, channel="shell")

    backup, key_backup = tmp_path / "prr.backup", tmp_path / "keys.backup"
    made = prr("backup", "create", str(backup), "--with-keys", str(key_backup), "--as", "b.admin")
    assert made.exit_code == 0, made.output
    assert oct(backup.stat().st_mode & 0o777) == oct(key_backup.stat().st_mode & 0o777) == "0o600"
    copied = backup.read_bytes()
    assert b"Aigerim" not in copied and not any(k.encode() in copied for k in crypto.read_keys())
    assert prr("backup", "create", str(backup), "--as", "b.admin").exit_code == 1  # never over an existing file

    restored = prr("backup", "restore", str(backup), "--to", new_database)
    assert restored.exit_code == 0, restored.output
    again = prr("backup", "restore", str(backup), "--to", new_database)
    assert again.exit_code == 1 and "new" in again.output and "empty" in again.output

    # Another machine: the restored database, and no keys until the key backup is put in place.
    monkeypatch.setenv("DATABASE_URL", new_database)
    monkeypatch.setenv("PRR_KEYS_DIR", str(tmp_path / "other-machine-keys"))
    monkeypatch.setenv("PRR_AUDIT_DIR", str(tmp_path / "other-machine-audit"))  # its keys sign its own anchors
    crypto.reset()
    refused = prr("audit", "verify")
    assert refused.exit_code == 1 and "is missing" in refused.output
    assert not crypto.key_file().exists()
    assert prr("keys", "restore", str(key_backup)).exit_code == 0
    verified = prr("audit", "verify")
    assert verified.exit_code == 0 and "intact" in verified.output
    assert "backup" in prr("audit", "show").output  # the copy holds the entry that records it
    case = CaseStore(session_factory(new_database)).get(ref, actor=supervisor, channel="shell")
    assert case.full_name == "Aigerim Sultanova" and case.case_notes[0].text == "first visit"
    crypto.reset()


def test_a_sqlite_backup_is_refused_for_another_kind_of_database(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    StaffStore(session_factory(sqlite_url)).add("b.admin", "admin", first_admin_password=ADMIN_PASSWORD)
    monkeypatch.setenv("PRR_PASSWORD", ADMIN_PASSWORD)
    backup = tmp_path / "prr.backup"
    assert prr("backup", "create", str(backup), "--as", "b.admin").exit_code == 0
    refused = prr("backup", "restore", str(backup), "--to", "postgresql://nobody@127.0.0.1:1/none")
    assert refused.exit_code == 1 and "restore it into a sqlite database" in refused.output
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    assert "not a backup" in prr("backup", "restore", str(not_a_backup), "--to", "sqlite:///x.db").output
