"""The case store on SQLite and PostgreSQL: typed columns, references, transactions, lifecycle."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.cases.models import Case, CaseReferral, CaseSequence
from bot.cases.store import CaseError, CaseStore

ADULT = {
    "intake_type": "repatriated returnee", "full_name": "Aigerim Sultanova", "date_of_birth": "1990-01-05",
    "sex": "female", "nationality": "KAZ", "nationality_verification": "DNA match with relatives",
    "return_date": "2019-03", "time_in_conflict_zone": 42, "role": "spouse", "association": "coerced",
    "legal_status": "under investigation", "health_needs": "asthma", "psychosocial_needs": None,
    "accompanying_children": 3, "risk_tool": "VERA-2R", "referrals": ["psychologist", "legal aid"],
    "consent": True, "notes": "arrived with three children",
}


@pytest.fixture
def store(sessions):
    return CaseStore(sessions)


def test_a_saved_intake_reads_back_in_typed_columns(store, sessions):
    ref = store.save_intake(ADULT, staff="staff-7", channel="rest")
    assert ref == f"PRR-{date.today().year}-0001"
    case = store.get(ref)
    assert case.date_of_birth == date(1990, 1, 5)
    assert case.return_date == date(2019, 3, 1) and case.return_date_precision == "month"
    assert case.time_in_conflict_zone_months == 42 and case.accompanying_children == 3
    assert case.consent is True and case.nationality == "KAZ" and case.status == "intake"
    assert [r.referral for r in case.referrals] == ["psychologist", "legal aid"]
    assert case.created_by == "staff-7" and case.channel == "rest"
    assert case.status_changes[0].to_status == "intake"


def test_references_count_up(store):
    refs = [store.save_intake(ADULT, staff="s", channel="rest") for _ in range(3)]
    assert [r[-4:] for r in refs] == ["0001", "0002", "0003"]


def test_concurrent_saves_never_share_a_reference(store):
    refs, errors = [], []

    def save():
        try:
            refs.append(store.save_intake(ADULT, staff="s", channel="rest"))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=save) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and len(set(refs)) == 8


def test_a_failed_save_leaves_no_half_written_case(store, sessions):
    store.save_intake(ADULT, staff="s", channel="rest")
    broken = {**ADULT, "intake_type": "x" * 500}  # too long for its column on PostgreSQL; SQLite is lax
    broken["referrals"] = ["psychologist", "psychologist"]  # violates the unique referral constraint everywhere
    with pytest.raises(Exception):
        store.save_intake(broken, staff="s", channel="rest")
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(Case)).scalar() == 1
        assert s.execute(select(func.count()).select_from(CaseReferral)).scalar() == 2
        assert s.execute(select(CaseSequence.last_number)).scalar() == 1


def test_missing_required_answers_are_refused(store):
    with pytest.raises(CaseError, match="Full name"):
        store.save_intake({**ADULT, "full_name": None}, staff="s", channel="rest")


def test_status_follows_the_lifecycle_with_a_reason(store):
    ref = store.save_intake(ADULT, staff="s", channel="rest")
    with pytest.raises(CaseError, match="can move to screening"):
        store.change_status(ref, "closed", "done", staff="s", channel="rest")
    with pytest.raises(CaseError, match="reason"):
        store.change_status(ref, "screening", "  ", staff="s", channel="rest")
    case = store.change_status(ref, "screening", "identity confirmed", staff="s2", channel="rest")
    case = store.change_status(ref, "rehabilitation", "no charges", staff="s2", channel="rest")
    assert case.status == "rehabilitation"
    assert [(c.from_status, c.to_status) for c in case.status_changes] == [
        (None, "intake"), ("intake", "screening"), ("screening", "rehabilitation")]


def test_notes_are_dated_and_checked(store):
    ref = store.save_intake(ADULT, staff="s", channel="rest")
    case = store.add_note(ref.lower(), "met the mother", staff="s3", channel="rest")
    assert case.case_notes[0].text == "met the mother" and case.case_notes[0].author == "s3"
    assert case.case_notes[0].created_at is not None
    with pytest.raises(CaseError, match="empty"):
        store.add_note(ref, "  ", staff="s", channel="rest")
    with pytest.raises(CaseError, match="2,000"):
        store.add_note(ref, "x" * 2001, staff="s", channel="rest")
    with pytest.raises(CaseError, match="No case"):
        store.add_note("PRR-2020-9999", "hello", staff="s", channel="rest")


def test_list_shows_only_the_staff_members_own_cases(store):
    store.save_intake(ADULT, staff="alice", channel="rest")
    store.save_intake(ADULT, staff="bob", channel="rest")
    assert [c.created_by for c in store.list_for("alice")] == ["alice"]
