"""Property-based tests: arbitrary text at every validator and search input, and no partial writes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.cases.commands import parse_note, parse_status_change
from bot.cases.models import Case, CaseNote
from bot.cases.store import CaseError, CaseStore
from bot.intake import fields, flow
from bot.intake.parsing import InvalidAnswer
from bot.knowledge.store import KnowledgeBase, load_corpus
from bot.security import audit
from bot.staff.models import Actor
from bot.storage.db import session_factory
from tests.support.factories import ADULT
from tests.support.paths import ROOT

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300) | st.sampled_from(
    [
        "",
        " ",
        "31.02.2020",
        "unknown",
        "skip",
        "back",
        "cancel",
        "yes",
        "none",
        "😀",
        "'; DROP TABLE cases; --",
        '"a" AND (b OR *)',
        "x" * 10000,
        "\x00",
        "\u202e",
        "change",
        "change 99",
        "12.13.2020",
        "0000-00-00",
    ]
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(name=st.sampled_from(fields.FIELD_NAMES), text=TEXT)
def test_every_validator_accepts_or_explains(name, text):
    try:
        fields.validate(name, text, {"date_of_birth": "2000-01-01"})
    except InvalidAnswer as bad:
        assert bad.reason


@SETTINGS
@given(
    step=st.sampled_from(flow.STEPS + (flow.CANCEL_CONFIRM, flow.REVIEW)),
    text=TEXT,
    intent=st.sampled_from([None, "inform", "ask_knowledge", "start_intake", "nlu_fallback"]),
)
def test_the_interview_never_breaks_and_never_loses_earlier_answers(step, text, intent):
    answers = {
        "intake_type": "other",
        "full_name": "Amina Bekova",
        "date_of_birth": "2015-03-12",
        "referrals": ["education"],
    }
    turn = flow.take_turn(answers, step, text, intent, 0.9)
    assert turn.next_step in flow.STEPS + (flow.CANCEL_CONFIRM, flow.REVIEW, None)
    if turn.updates.get(flow.OUTCOME) != "cancelled":
        kept = {k: v for k, v in answers.items() if k not in turn.updates}
        assert all(answers[k] == v for k, v in kept.items())
        for name in set(answers) & set(turn.updates) - {step, flow.previous_step(answers, step)}:
            assert turn.updates[name] == answers[name] or name == "referrals"


@SETTINGS
@given(text=TEXT)
def test_case_commands_parse_anything(text):
    parse_status_change(text)
    parse_note(text)


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    from bot.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.db'}"
    upgrade(url)
    with session_factory(url).begin() as session:
        load_corpus(session, ROOT / "knowledge")
    return KnowledgeBase(session_factory(url))


@SETTINGS
@given(text=TEXT)
def test_search_takes_any_text(kb, text):
    result = kb.search(text)
    assert isinstance(result.answered, bool)
    assert all(hit.source for hit in result.hits)


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    from bot.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'cases.db'}"
    upgrade(url)
    return url


ANSWER_VALUES = st.one_of(st.none(), TEXT, st.integers(-5, 10**6), st.booleans(), st.lists(TEXT, max_size=3))


@SETTINGS
@given(
    changes=st.dictionaries(st.sampled_from(fields.FIELD_NAMES), ANSWER_VALUES, max_size=4),
    note=TEXT,
    role=st.sampled_from(["intake", "supervisor", "case_manager", "admin"]),
)
def test_a_save_or_note_is_whole_or_nothing(store_url, changes, note, role):
    store = CaseStore(session_factory(store_url))
    sessions = session_factory(store_url)
    actor = Actor("9", role)

    def counts():
        with sessions() as s:
            return (
                s.execute(select(func.count()).select_from(Case)).scalar(),
                s.execute(select(func.count()).select_from(CaseNote)).scalar(),
                s.execute(
                    select(func.count()).select_from(audit.AuditEntry).where(audit.AuditEntry.outcome == "ok")
                ).scalar(),
            )

    before = counts()
    try:
        reference = store.save_intake({**ADULT, **changes}, actor=actor, channel="test")
    except Exception:  # refused, invalid or rejected by the database: nothing may remain
        assert counts()[:2] == before[:2] and counts()[2] == before[2]
        return
    assert counts() == (before[0] + 1, before[1], before[2] + 1)
    try:
        store.add_note(reference, note, actor=Actor("5", "supervisor"), channel="test")
    except CaseError:
        assert counts()[1] == before[1]
    else:
        assert counts()[1] == before[1] + 1
    with sessions() as s:
        assert audit.verify(s).ok
