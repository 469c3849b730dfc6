"""The case store's role checks and audit trail, on SQLite and PostgreSQL: each role against each
action, need-to-know lists, and a hash-chained audit that finds tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.cases.access import NotPermitted
from bot.cases.store import CaseStore
from bot.security import audit
from tests.support.audit import tamper
from tests.support.factories import ADMIN, INTAKE, INTAKE2, MANAGER, MANAGER2, SUPERVISOR, save


@pytest.fixture
def store(sessions):
    return CaseStore(sessions)


def attempt(store, actor, action, ref):
    calls = {
        "read": lambda: store.get(ref, actor=actor, channel="shell"),
        "update": lambda: store.add_note(ref, "a note", actor=actor, channel="shell"),
        "status": lambda: store.change_status(ref, "screening", "checked", actor=actor, channel="shell"),
        "assign": lambda: store.assign(ref, MANAGER.staff_id, actor=actor, channel="shell"),
        "export": lambda: store.export(ref, actor=actor, channel="shell"),
        "erase": lambda: store.erase(ref, "court order", actor=actor, channel="shell"),
    }
    try:
        calls[action]()
        return "ok"
    except NotPermitted as refusal:
        assert str(refusal) == "not permitted"
        return "refused"


MATRIX = {  # actor -> action -> outcome, on a case created by INTAKE and assigned to MANAGER
    INTAKE: {
        "read": "ok",
        "update": "refused",
        "status": "refused",
        "assign": "refused",
        "export": "refused",
        "erase": "refused",
    },
    INTAKE2: {
        "read": "refused",
        "update": "refused",
        "status": "refused",
        "assign": "refused",
        "export": "refused",
        "erase": "refused",
    },
    MANAGER: {
        "read": "ok",
        "update": "ok",
        "status": "ok",
        "assign": "refused",
        "export": "refused",
        "erase": "refused",
    },
    MANAGER2: {
        "read": "refused",
        "update": "refused",
        "status": "refused",
        "assign": "refused",
        "export": "refused",
        "erase": "refused",
    },
    SUPERVISOR: {"read": "ok", "update": "ok", "status": "ok", "assign": "ok", "export": "ok", "erase": "ok"},
    ADMIN: {
        "read": "refused",
        "update": "refused",
        "status": "refused",
        "assign": "refused",
        "export": "refused",
        "erase": "refused",
    },
}


@pytest.mark.parametrize("actor", list(MATRIX), ids=lambda a: a.name)
def test_each_role_against_each_action(store, sessions, actor):
    for action, expected in MATRIX[actor].items():
        ref = save(store)
        store.assign(ref, MANAGER.staff_id, actor=SUPERVISOR, channel="shell")
        assert attempt(store, actor, action, ref) == expected, (actor.name, action)
    with sessions() as s:
        refused = s.execute(
            select(func.count())
            .select_from(audit.AuditEntry)
            .where(audit.AuditEntry.staff == actor.staff_id, audit.AuditEntry.outcome == "refused")
        ).scalar()
    assert refused == list(MATRIX[actor].values()).count("refused")


def test_only_intake_and_supervisors_create_and_admins_list_nothing(store):
    for actor in (MANAGER, ADMIN):
        with pytest.raises(NotPermitted):
            save(store, actor=actor)
    save(store, actor=SUPERVISOR)
    with pytest.raises(NotPermitted):
        store.list_for(actor=ADMIN, channel="shell")


def test_a_missing_case_and_a_forbidden_case_are_refused_alike(store):
    ref = save(store)
    with pytest.raises(NotPermitted) as missing:
        store.get("PRR-1999-0001", actor=INTAKE2, channel="shell")
    with pytest.raises(NotPermitted) as forbidden:
        store.get(ref, actor=INTAKE2, channel="shell")
    assert str(missing.value) == str(forbidden.value) == "not permitted"


def test_lists_follow_need_to_know(store):
    mine = save(store, actor=INTAKE)
    theirs = save(store, actor=INTAKE2)
    store.assign(theirs, MANAGER.staff_id, actor=SUPERVISOR, channel="shell")
    assert [c.reference for c in store.list_for(actor=INTAKE, channel="shell")] == [mine]
    assert [c.reference for c in store.list_for(actor=MANAGER, channel="shell")] == [theirs]
    assert store.list_for(actor=MANAGER2, channel="shell") == []
    assert {c.reference for c in store.list_for(actor=SUPERVISOR, channel="shell")} == {mine, theirs}


def test_every_access_is_audited_without_values_and_the_chain_verifies(store, sessions):
    ref = save(store)
    store.get(ref, actor=INTAKE, channel="telegram")
    store.export(ref, actor=SUPERVISOR, channel="cli")
    with pytest.raises(NotPermitted):
        store.get(ref, actor=ADMIN, channel="shell")
    with sessions() as s:
        rows = [(e.staff, e.action, e.case_ref, e.channel, e.outcome) for e in reversed(audit.entries(s))]
        assert rows == [
            ("1", "create", ref, "shell", "ok"),
            ("1", "read", ref, "telegram", "ok"),
            ("5", "export", ref, "cli", "ok"),
            ("6", "read", ref, "shell", "refused"),
        ]
        assert audit.verify(s).ok


def test_a_tampered_or_removed_audit_entry_is_found(store, sessions):
    ref = save(store)
    for _ in range(3):
        store.get(ref, actor=INTAKE, channel="shell")
    tamper(sessions, "UPDATE audit_log SET action = 'list' WHERE id = (SELECT MIN(id) + 2 FROM audit_log)")
    with sessions() as s:
        result = audit.verify(s)
        first = s.execute(select(func.min(audit.AuditEntry.id))).scalar()
    assert not result.ok and result.first_bad_id == first + 2 and "changed" in result.problem
    tamper(sessions, "UPDATE audit_log SET action = 'read' WHERE id = :i", i=first + 2)
    tamper(sessions, "DELETE FROM audit_log WHERE id = :i", i=first + 1)
    with sessions() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_bad_id == first + 2 and "removed" in result.problem


def test_a_status_change_and_a_note_are_audited_once_each_with_no_extra_read(store, sessions):
    ref = save(store)
    store.assign(ref, SUPERVISOR.staff_id, actor=SUPERVISOR, channel="shell")
    with sessions() as s:
        before = s.execute(select(func.count()).select_from(audit.AuditEntry)).scalar()
    case = store.change_status(ref, "screening", "identity confirmed", actor=SUPERVISOR, channel="shell")
    case = store.add_note(ref, "met the grandmother", actor=SUPERVISOR, channel="shell")
    assert case.status == "screening" and [n.text for n in case.case_notes] == ["met the grandmother"]
    with sessions() as s:
        actions = [e.action for e in s.execute(select(audit.AuditEntry).order_by(audit.AuditEntry.id)).scalars()][
            before:
        ]
    assert actions == ["status_change", "note"]
