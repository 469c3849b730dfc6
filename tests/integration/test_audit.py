"""The audit trail on SQLite and PostgreSQL: keyed chain, anchors outside the database, rows that
cannot be changed on PostgreSQL, and the events it records beyond case access."""

from __future__ import annotations

import hashlib
import threading
from datetime import timezone

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from bot.cases.access import Actor, NotPermitted
from bot.cases.store import CaseStore
from bot.security import audit, audit_anchor
from bot.security.tokens import audit_key
from bot.staff.store import MAX_FAILED_LOGINS, LoginRefused, StaffStore
from bot.storage.migrate import alembic_config, upgrade
from tests.support.audit import tamper
from tests.support.factories import ADULT

INTAKE = Actor("1", "intake", "i.one")
SUPERVISOR = Actor("5", "supervisor", "s.five")


@pytest.fixture
def store(sessions):
    return CaseStore(sessions)


def some_entries(store) -> str:
    ref = store.save_intake(ADULT, actor=INTAKE, channel="shell")
    for _ in range(3):
        store.get(ref, actor=INTAKE, channel="web")
    store.export(ref, actor=SUPERVISOR, channel="cli", destination="file /tmp/out.json")
    return ref


def rows(sessions) -> list[audit.AuditEntry]:
    with sessions() as s:
        return list(s.execute(select(audit.AuditEntry).order_by(audit.AuditEntry.id)).scalars())


def rechain(sessions, key: bytes) -> None:
    """What an attacker does after editing entries: compute every link again with `key`."""
    prev = audit.GENESIS
    for e in rows(sessions):
        fields = (e.staff, e.action, e.case_ref, e.channel, e.outcome, e.origin, e.detail)
        digest = audit.chain_digest(key, prev, e.at, *fields)
        tamper(sessions, "UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :i", p=prev, h=digest, i=e.id)
        prev = digest


def verify(sessions, anchor=None) -> audit.Verification:
    with sessions() as s:
        return audit.verify(s, anchor)


def test_a_clean_trail_verifies_and_names_the_export_destination_and_the_os_account(store, sessions):
    some_entries(store)
    result = verify(sessions)
    assert result.ok and result.checked == 5
    export = rows(sessions)[-1]
    assert export.action == "export" and export.detail == "to file /tmp/out.json"
    assert export.origin == audit.origin() and "@" in export.origin
    with sessions() as s:
        assert audit_anchor.read(audit.database_tag(s))[-1] == result.head  # each commit anchored outside the database


def test_a_chain_recomputed_without_the_key_is_found(store, sessions):
    some_entries(store)
    victim = rows(sessions)[4]
    tamper(sessions, "DELETE FROM audit_log WHERE id = :i", i=victim.id)  # remove the export...
    rechain(sessions, b"not the key")  # ...and hide it, as the review's attacker did
    result = verify(sessions)
    assert not result.ok and "changed" in result.problem


def test_a_chain_recomputed_with_the_key_is_found_by_its_anchor(store, sessions):
    some_entries(store)
    tamper(sessions, "UPDATE audit_log SET staff = '2' WHERE action = 'read'")  # blame someone else
    rechain(sessions, audit_key())
    result = verify(sessions)
    assert not result.ok and "rewritten" in result.problem


def test_removed_latest_entries_and_a_wiped_chain_are_found(store, sessions):
    some_entries(store)
    last = rows(sessions)[-1]
    tamper(sessions, "DELETE FROM audit_log WHERE id = :i", i=last.id)
    result = verify(sessions)
    assert not result.ok and result.first_bad_id == last.id and "missing" in result.problem
    tamper(sessions, "DELETE FROM audit_log")
    result = verify(sessions)
    assert not result.ok and "wiped" in result.problem


def test_an_operator_kept_anchor_finds_a_rewrite_even_with_the_anchor_file_gone(store, sessions):
    some_entries(store)
    kept = verify(sessions).head
    assert verify(sessions, kept).ok
    tamper(sessions, "DELETE FROM audit_log WHERE action = 'export'")
    rechain(sessions, audit_key())
    audit_anchor.anchor_path().unlink()
    assert verify(sessions).ok  # without any anchor, a chain re-made with the key looks whole...
    result = verify(sessions, kept)
    assert not result.ok and "missing" in result.problem  # ...but not against the kept head


def test_a_forged_line_in_the_anchor_file_is_found(store, sessions):
    some_entries(store)
    with sessions() as s:
        tag = audit.database_tag(s)
    with audit_anchor.anchor_path().open("a") as anchors:
        anchors.write(f"{tag} 1:{'a' * 64} {'b' * 64}\n")
    result = verify(sessions)
    assert not result.ok and "not an anchor signed with the audit key" in result.problem


def test_concurrent_writers_keep_one_unbroken_chain(store, sessions):
    ref = store.save_intake(ADULT, actor=INTAKE, channel="shell")

    def reads():
        for _ in range(5):
            store.get(ref, actor=INTAKE, channel="web")
            store.list_for(actor=INTAKE, channel="web")

    threads = [threading.Thread(target=reads) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    result = verify(sessions)
    assert result.ok and result.checked == 1 + 6 * 5 * 2


def test_two_databases_may_share_the_anchor_folder(store, sessions, tmp_path):
    from bot.storage.db import session_factory

    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    other = session_factory(other_url)
    some_entries(store)
    audit.record_event(other, staff="1", action="read", case_ref=None, channel="web")
    assert verify(sessions).ok and verify(sessions).checked == 5
    assert verify(other).ok and verify(other).checked == 1


def test_on_postgresql_audit_rows_cannot_be_changed_removed_or_truncated(postgres_url):
    from bot.storage.db import session_factory

    sessions = session_factory(postgres_url)
    audit.record_event(sessions, staff="1", action="read", case_ref="PRR-2026-0001", channel="web")
    for statement in ("UPDATE audit_log SET staff = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with sessions.begin() as s:
                s.execute(text(statement))
    engine = create_engine(postgres_url, future=True)
    with engine.connect() as conn:
        rights = conn.execute(
            text("SELECT privilege_type FROM information_schema.role_table_grants WHERE table_name = 'audit_log'")
        ).scalars()
        assert not {"UPDATE", "DELETE", "TRUNCATE"} & set(rights)
    engine.dispose()


def test_a_listing_names_each_case_shown_and_an_overlong_reference_is_cut(store, sessions):
    first = store.save_intake(ADULT, actor=INTAKE, channel="shell")
    second = store.save_intake(ADULT, actor=INTAKE, channel="shell")
    store.list_for(actor=INTAKE, channel="web")
    with pytest.raises(NotPermitted):
        store.get("PRR-" + "9" * 200, actor=INTAKE, channel="web")
    listed = [(e.action, e.case_ref) for e in rows(sessions)[2:4]]
    assert sorted(listed) == [("list", first), ("list", second)]
    refused = rows(sessions)[-1]
    assert refused.outcome == "refused" and refused.case_ref == ("PRR-" + "9" * 200)[:40]
    assert verify(sessions).ok


def test_logins_and_staff_changes_are_audited(sessions):
    staff = StaffStore(sessions)
    member = staff.add("e.user", "intake", by="9", channel="cli")
    staff.set_password("e.user", "a long enough secret", by="9")
    staff.login("e.user", "a long enough secret", channel="web")
    for _ in range(MAX_FAILED_LOGINS + 1):  # the attempt after the allowed failures is refused unchecked
        with pytest.raises(LoginRefused):
            staff.login("e.user", "wrong", channel="web")
    with pytest.raises(LoginRefused):
        staff.login("no.body", "wrong", channel="web")
    staff.disable("e.user", by="9")
    staff.record_refusal("telegram", "2002", "Eve @eve")
    trail = [(e.staff, e.action, e.channel, e.outcome, e.detail) for e in rows(sessions)]
    me = member.sender_id
    assert trail == [
        ("9", "staff_add", "cli", "ok", "e.user as intake"),
        ("9", "staff_set_password", "cli", "ok", "e.user"),
        (me, "login", "web", "ok", None),
        *[(me, "login_failed", "web", "refused", None)] * MAX_FAILED_LOGINS,
        (me, "login_locked", "web", "refused", None),
        ("unknown", "login_failed", "web", "refused", None),
        ("9", "staff_disable", "cli", "ok", "e.user"),
        ("unknown", "access_refused", "telegram", "refused", "telegram id 2002"),
    ]
    assert "Eve" not in repr(trail)
    assert "wrong" not in repr(trail) and "secret" not in repr(trail)


def _plain(prev, at, *fields):
    stamp = at.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")
    return hashlib.sha256("\x1f".join([prev, stamp, *fields]).encode()).hexdigest()


@pytest.mark.parametrize("intact", [True, False])
def test_the_migration_keys_an_older_plain_chain(tmp_path, monkeypatch, intact):
    from datetime import datetime

    monkeypatch.setenv("PRR_AUDIT_DIR", str(tmp_path / "audit"))
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0006")
    engine = create_engine(url, future=True)
    prev = "0" * 64
    with engine.begin() as conn:
        for n in range(3):
            at = datetime(2026, 11, 1, 10, n, tzinfo=timezone.utc)
            digest = _plain(prev, at, "1", "read", "PRR-2026-0001", "web", "ok")
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, staff, action, case_ref, channel, outcome, prev_hash, hash) "
                    "VALUES (:at, '1', :action, 'PRR-2026-0001', 'web', 'ok', :p, :h)"
                ),
                {"at": at, "action": "read" if intact or n != 1 else "list", "p": prev, "h": digest},
            )
            prev = digest
        conn.execute(text("UPDATE audit_head SET seq = 3, last_hash = :h"), {"h": prev})
    engine.dispose()
    upgrade(url)
    from bot.storage.db import session_factory

    sessions = session_factory(url)
    assert verify(sessions).ok and verify(sessions).checked == 4
    keyed = rows(sessions)[-1]
    assert keyed.action == "chain_keyed" and keyed.outcome == ("ok" if intact else "broken")
    assert intact or "broken at #2" in keyed.detail
