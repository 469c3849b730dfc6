"""The case store on SQLite and PostgreSQL: typed columns, references, transactions, lifecycle,
notes, erasure and encryption at rest. Roles and audit: test_case_access.py."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from bot.cases.access import NotPermitted
from bot.cases.models import Case, CaseReferral, CaseSequence
from bot.cases.store import CaseError, CaseStore
from bot.security import audit
from tests.support.factories import ADULT, INTAKE, MANAGER, SUPERVISOR, save


@pytest.fixture
def store(sessions):
    return CaseStore(sessions)


def test_a_saved_intake_reads_back_in_typed_columns(store):
    ref = save(store)
    assert ref == f"PRR-{date.today().year}-0001"
    case = store.get(ref, actor=INTAKE, channel="shell")
    assert case.date_of_birth == date(1990, 1, 5)
    assert case.return_date == date(2019, 3, 1) and case.return_date_precision == "month"
    assert case.time_in_conflict_zone_months == 42 and case.accompanying_children == 3
    assert case.consent is True and case.nationality == "KAZ" and case.status == "intake"
    assert [r.referral for r in case.referrals] == ["psychologist", "legal aid"]
    assert case.created_by == "1" and case.channel == "shell"
    assert case.status_changes[0].to_status == "intake"


def test_sensitive_fields_and_notes_are_ciphertext_in_the_database(store, sessions):
    ref = save(store)
    store.assign(ref, MANAGER.staff_id, actor=SUPERVISOR, channel="shell")
    store.add_note(ref, "met the mother at the centre", actor=MANAGER, channel="shell")
    with sessions() as s:
        raw = s.execute(text("SELECT full_name, date_of_birth, role, notes FROM cases")).one()
        note = s.execute(text("SELECT text FROM case_notes")).scalar_one()
    assert all(value.startswith("gAAAAA") for value in raw) and note.startswith("gAAAAA")  # Fernet tokens
    assert "Aigerim" not in "".join(raw) and "1990" not in "".join(raw) and "mother" not in note


def test_references_count_up(store):
    assert [save(store)[-4:] for _ in range(3)] == ["0001", "0002", "0003"]


def test_concurrent_saves_never_share_a_reference(store):
    refs, errors = [], []

    def one():
        try:
            refs.append(save(store))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and len(set(refs)) == 8


def test_a_failed_save_leaves_no_half_written_case(store, sessions):
    save(store)
    broken = {**ADULT, "intake_type": "x" * 500, "referrals": ["psychologist", "psychologist"]}
    with pytest.raises((SQLAlchemyError, CaseError)):  # which one depends on the database engine
        save(store, answers=broken)
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(Case)).scalar() == 1
        assert s.execute(select(func.count()).select_from(CaseReferral)).scalar() == 2
        assert s.execute(select(CaseSequence.last_number)).scalar() == 1
        assert audit.verify(s).ok and audit.verify(s).checked == 1  # only the first create


def test_missing_required_answers_are_refused(store):
    with pytest.raises(CaseError, match="Full name"):
        save(store, answers={**ADULT, "full_name": None})


def test_status_follows_the_lifecycle_with_a_reason(store):
    ref = save(store)
    with pytest.raises(CaseError, match="can move to screening"):
        store.change_status(ref, "closed", "done", actor=SUPERVISOR, channel="shell")
    with pytest.raises(CaseError, match="reason"):
        store.change_status(ref, "screening", "  ", actor=SUPERVISOR, channel="shell")
    store.change_status(ref, "screening", "identity confirmed", actor=SUPERVISOR, channel="shell")
    case = store.change_status(ref, "rehabilitation", "no charges", actor=SUPERVISOR, channel="shell")
    assert case.status == "rehabilitation"
    assert [(c.from_status, c.to_status) for c in case.status_changes] == [
        (None, "intake"),
        ("intake", "screening"),
        ("screening", "rehabilitation"),
    ]


def test_notes_are_dated_and_checked(store):
    ref = save(store)
    case = store.add_note(ref.lower(), "met the mother", actor=SUPERVISOR, channel="shell")
    assert case.case_notes[0].text == "met the mother" and case.case_notes[0].author == "5"
    with pytest.raises(CaseError, match="empty"):
        store.add_note(ref, "  ", actor=SUPERVISOR, channel="shell")
    with pytest.raises(CaseError, match="2,000"):
        store.add_note(ref, "x" * 2001, actor=SUPERVISOR, channel="shell")


# ---- roles: each role against each action -------------------------------------------------------


def test_erasure_removes_content_and_keeps_the_reference_and_the_audit(store):
    ref = save(store)
    store.add_note(ref, "private detail", actor=SUPERVISOR, channel="shell")
    erased = store.erase(ref, "court order", actor=SUPERVISOR, channel="cli").case
    assert erased.erased_at is not None and erased.full_name is None and erased.date_of_birth is None
    case = store.get(ref, actor=SUPERVISOR, channel="shell")
    assert (
        case.case_notes == []
        and case.referrals == []
        and all(c.reason != "private detail" for c in case.status_changes)
    )
    with pytest.raises(NotPermitted):  # nothing more to do with an erased case
        store.add_note(ref, "again", actor=SUPERVISOR, channel="shell")
    assert store.list_for(actor=SUPERVISOR, channel="shell") == []


class RecordingConversations:
    """The conversation store as the service sees it, recording what it is asked to do."""

    def __init__(self):
        self.calls = []

    def redact(self, sender_id, since):
        self.calls.append(("redact", sender_id, since))
        return 1

    def delete_between(self, sender_id, since, until):
        self.calls.append(("delete", sender_id, since, until))
        return 3

    def redact_mentions(self, reference):
        self.calls.append(("redact mentions", reference))
        return 2


def test_saving_redacts_the_interview_and_erasing_deletes_it_whoever_calls(sessions):
    from datetime import datetime, timedelta, timezone

    events = RecordingConversations()
    store = CaseStore(sessions, events)
    started = datetime.now(timezone.utc) - timedelta(minutes=10)
    ref = store.save_intake(ADULT, actor=INTAKE, channel="web", intake_started_at=started)
    assert events.calls == [("redact", INTAKE.staff_id, started.timestamp())]
    case, deleted, redacted = store.erase(ref, "court order", actor=SUPERVISOR, channel="telegram")
    assert (deleted, redacted) == (3, 2) and events.calls[1][:3] == ("delete", INTAKE.staff_id, started.timestamp())
    assert events.calls[1][3] > case.created_at.timestamp()  # the saving turn's own events too
    assert events.calls[2] == ("redact mentions", ref)  # notes and reasons typed in any conversation
    store.forget_interview(INTAKE.staff_id, None)  # nothing started, nothing to redact
    assert len(events.calls) == 3
