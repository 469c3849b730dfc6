"""Each custom action with real rasa_sdk trackers and dispatchers, against a real database."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.cases import ActionAddCaseNote, ActionChangeCaseStatus, ActionListCases, ActionShowCase
from actions.fallback import ActionNotUnderstood
from actions.intake import ActionAskIntakeReview, ActionSubmitIntake, ValidateIntakeForm
from actions.knowledge import ActionAnswerKnowledge, ActionAnswerOrNoIntake
from bot.intake import flow
from bot.knowledge.store import load_corpus
from bot.staff.store import StaffStore
from bot.storage.db import session_factory
from tests.support.factories import ADULT
from tests.support.paths import ROOT


@pytest.fixture(autouse=True)
def database(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with session_factory(sqlite_url).begin() as session:
        load_corpus(session, ROOT / "knowledge")
    staff = StaffStore(session_factory(sqlite_url))
    for name, role in (("i.one", "intake"), ("s.two", "supervisor"), ("m.three", "case_manager"), ("a.four", "admin")):
        staff.add(name, role)
    return sqlite_url


INTAKE, SUPERVISOR, MANAGER, ADMIN = "1", "2", "3", "4"


def tracker(
    text="", intent=None, confidence=0.95, slots=None, entities=(), sender=INTAKE, active_loop=None, timestamp=None
):
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": list(entities),
        "intent_ranking": [{"name": intent, "confidence": confidence}] if intent else [],
    }
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": "rest", "timestamp": timestamp}]
    return Tracker(
        sender,
        dict(slots or {}),
        latest,
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def test_knowledge_answer_cites_its_source_and_offers_more():
    messages, _ = run(ActionAnswerKnowledge(), tracker("what does resolution 2396 require?", "ask_knowledge"))
    assert "Source: " in texts(messages) and "resolution 2396" in texts(messages)
    assert len(messages[0]["buttons"]) == 2


def test_knowledge_abstains_and_lists_topics():
    messages, _ = run(ActionAnswerKnowledge(), tracker("how do I bake bread", "ask_knowledge"))
    assert (
        "no reliable answer" in texts(messages) and "Children" in texts(messages) and "Source:" not in texts(messages)
    )


def test_a_related_button_opens_that_section():
    t = tracker(
        '/ask_knowledge{"section_id": "risk-erg22"}',
        "ask_knowledge",
        entities=[{"entity": "section_id", "value": "risk-erg22"}],
    )
    messages, _ = run(ActionAnswerKnowledge(), t)
    assert "ERG22+" in texts(messages) and "Source: " in texts(messages)


def test_validator_starts_at_the_first_question_and_ignores_the_start_message():
    _, slots = run(ValidateIntakeForm(), tracker("start an intake", "start_intake"))
    assert slots["requested_slot"] == "intake_type"
    assert abs(slots["intake_started_at"] - __import__("time").time()) < 60  # from here on, redacted after saving


def test_the_interview_starts_when_rasa_received_the_message_whatever_this_servers_clock_says():
    # On another node, Rasa's clock may be behind ours: the redaction compares Rasa's event times.
    rasa_time = __import__("time").time() - 120
    _, slots = run(ValidateIntakeForm(), tracker("start an intake", "start_intake", timestamp=rasa_time))
    assert slots["intake_started_at"] == rasa_time


def test_validator_rejects_a_bad_date_and_keeps_earlier_answers():
    t = tracker(
        "31.02.2020",
        "inform",
        slots={
            "intake_type": "other",
            "full_name": "Amina Bekova",
            "date_of_birth": "31.02.2020",
            "requested_slot": "date_of_birth",
        },
        active_loop="intake_form",
    )
    messages, slots = run(ValidateIntakeForm(), t)
    assert "not a real date" in texts(messages)
    assert slots == {"date_of_birth": None, "requested_slot": "date_of_birth"}


def test_validator_answers_a_question_then_repeats_the_pending_one():
    t = tracker(
        "what is VERA-2R?",
        "ask_knowledge",
        slots={"requested_slot": "sex", "sex": "what is VERA-2R?"},
        active_loop="intake_form",
    )
    messages, slots = run(ValidateIntakeForm(), t)
    assert "Source:" in texts(messages) and "Back to the intake" in texts(messages)
    assert slots["requested_slot"] == "sex" and slots["sex"] is None


def test_a_related_button_pressed_mid_interview_opens_its_section_and_repeats_the_question():
    payload = '/ask_knowledge{"section_id": "risk-erg22"}'
    t = tracker(
        payload,
        "ask_knowledge",
        1.0,
        slots={"requested_slot": "notes", "notes": payload},
        entities=[{"entity": "section_id", "value": "risk-erg22"}],
        active_loop="intake_form",
    )
    messages, slots = run(ValidateIntakeForm(), t)
    assert "ERG22+" in texts(messages) and "Source: " in texts(messages) and "no reliable answer" not in texts(messages)
    assert slots["requested_slot"] == "notes" and slots["notes"] is None


def test_review_shows_every_answer():
    messages, _ = run(ActionAskIntakeReview(), tracker(slots=ADULT))
    assert "Full name: Aigerim Sultanova" in texts(messages) and "Nationality: Kazakhstan" in texts(messages)


def test_submit_saves_a_confirmed_intake_and_clears_the_slots(database):
    slots = {**ADULT, "referrals_more": "done", flow.REVIEW: "confirmed", flow.OUTCOME: "confirmed"}
    messages, events = run(ActionSubmitIntake(), tracker(slots=slots))
    assert "PRR-" in texts(messages)
    assert set(events) == set(flow.SLOTS) | {"intake_started_at"} and all(v is None for v in events.values())
    messages, _ = run(ActionListCases(), tracker("list my cases", "list_cases"))
    assert "Aigerim Sultanova" in texts(messages)
    messages, _ = run(ActionListCases(), tracker("list my cases", "list_cases", sender=MANAGER))
    assert "no cases yet" in texts(messages)
    messages, _ = run(ActionListCases(), tracker("list my cases", "list_cases", sender="someone-else"))
    assert texts(messages) == "not permitted"


def test_submit_after_cancel_saves_nothing():
    messages, events = run(ActionSubmitIntake(), tracker(slots={**ADULT, flow.OUTCOME: "cancelled"}))
    assert "cancelled" in texts(messages) and all(v is None for v in events.values())


def test_case_actions_show_move_and_note(database):
    run(ActionSubmitIntake(), tracker(slots={**ADULT, flow.OUTCOME: "confirmed"}))
    ref = "PRR-" + __import__("datetime").date.today().strftime("%Y") + "-0001"
    messages, _ = run(
        ActionShowCase(), tracker(f"show case {ref}", "show_case", entities=[{"entity": "case_ref", "value": ref}])
    )
    assert ref in texts(messages) and "status: intake" in texts(messages)
    move = f"move {ref} to screening because identity confirmed"
    messages, _ = run(ActionChangeCaseStatus(), tracker(move, "change_case_status"))  # the intake officer may not
    assert texts(messages) == "not permitted"
    messages, _ = run(ActionChangeCaseStatus(), tracker(move, "change_case_status", sender=SUPERVISOR))
    assert "now in screening" in texts(messages)
    messages, _ = run(
        ActionChangeCaseStatus(), tracker(f"move {ref} to closed because done", "change_case_status", sender=SUPERVISOR)
    )
    assert "can move to prosecution or rehabilitation" in texts(messages)
    messages, _ = run(
        ActionAddCaseNote(), tracker(f"add a note to {ref}: met the family", "add_case_note", sender=SUPERVISOR)
    )
    assert "Note added" in texts(messages)
    messages, _ = run(ActionShowCase(), tracker(f"show case {ref}", "show_case", sender=SUPERVISOR))
    assert "met the family" in texts(messages) and "identity confirmed" in texts(messages)
    for sender in (INTAKE, ADMIN, MANAGER, "not-staff"):  # missing or forbidden: the same two words
        messages, _ = run(ActionShowCase(), tracker("show case PRR-1999-0001", "show_case", sender=sender))
        assert texts(messages) == "not permitted"
    messages, _ = run(ActionShowCase(), tracker(f"show case {ref}", "show_case", sender=ADMIN))
    assert texts(messages) == "not permitted"
    messages, _ = run(ActionShowCase(), tracker("show a case", "show_case"))
    assert "Which case?" in texts(messages)


def test_an_intake_cannot_be_started_without_the_role():
    messages, slots = run(ValidateIntakeForm(), tracker("start an intake", "start_intake", sender=MANAGER))
    assert texts(messages) == "not permitted"
    assert slots == {flow.OUTCOME: "refused", "requested_slot": None}


@pytest.mark.parametrize(
    "text, in_another_language",
    [
        ("Здравствуйте, как дела?", True),
        ("salom, qalaysiz? menga yordam kerak", True),
        ("SELECT * FROM cases; DROP TABLE staff", False),
        ("🙂🙂🙂", False),
        ("asdkjh qwpeoi zxcv", False),
    ],
)
def test_text_no_intent_fits_gets_one_honest_reply_and_no_guess(text, in_another_language):
    messages, slots = run(ActionNotUnderstood(), tracker(text, "nlu_fallback", 1.0))
    assert len(messages) == 1 and not slots and not messages[0].get("buttons")
    expected = "utter_not_understood_language" if in_another_language else "utter_not_understood"
    assert messages[0]["response"] == expected


def test_a_question_in_unusual_words_still_gets_a_sourced_answer_on_fallback():
    messages, _ = run(
        ActionNotUnderstood(), tracker("nelson mandela rules solitary confinement 15 days", "nlu_fallback", 0.3)
    )
    assert "Source:" in texts(messages)


@pytest.mark.parametrize(
    "text, answered, reminded",
    [
        # questions the classifier took for intake answers (numbers, years, names in them)
        ("2178 adopted when, vote result?", True, False),
        ("how long can solitary confinement last under the mandela rules", True, False),
        ("mandela rules solitary confinement", True, True),  # not worded as a question: could be an answer
        ("Turkey", False, True),
        ("asthma, needs an inhaler", False, True),
    ],
)
def test_an_answer_with_no_intake_running_is_answered_if_it_is_a_question(text, answered, reminded):
    messages, _ = run(ActionAnswerOrNoIntake(), tracker(text, "inform", 0.6))
    assert ("Source:" in texts(messages)) is answered
    assert any(m.get("response") == "utter_no_intake_running" for m in messages) is reminded


@pytest.mark.parametrize("text", ["jklo pqwe", "gfd hjy tre", "blorp fnarg"])
def test_random_letters_with_no_intake_running_are_not_understood_rather_than_an_intake_answer(text):
    messages, _ = run(ActionAnswerOrNoIntake(), tracker(text, "inform", 0.6))
    assert [m.get("response") for m in messages] == ["utter_not_understood"]


def test_an_action_that_fails_answers_an_apology_and_changes_nothing(database):
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.begin() as conn:  # the case store breaks under the action: a database error
        conn.execute(text("ALTER TABLE cases RENAME TO cases_away"))
    engine.dispose()
    for action, typed in ((ActionShowCase(), "show PRR-2026-0001"), (ActionListCases(), "list my cases")):
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker(typed, sender=SUPERVISOR), {}))
        assert events == []  # the conversation, and every answer in it, stays as it was
        assert "went wrong" in texts(dispatcher.messages) and len(dispatcher.messages) == 1


def test_a_failing_form_validation_keeps_every_answer_and_leaves_the_question_open(database, monkeypatch):
    def broken_search(*_args, **_kwargs):
        raise RuntimeError("the knowledge store is down")

    monkeypatch.setattr("actions.intake.reply_to_question", broken_search)
    given = {"intake_type": "other", "full_name": "Amina Bekova", "date_of_birth": "1990-01-05"}
    # Rasa has put the question into the slot being asked before it calls the validation.
    slots = {**given, "sex": "what does resolution 2396 require?", "requested_slot": "sex"}
    typed = tracker("what does resolution 2396 require?", "ask_knowledge", slots=slots, active_loop="intake_form")
    messages, updates = run(ValidateIntakeForm(), typed)
    assert "went wrong" in texts(messages)
    # The unchecked text is dropped and the same question stays open; name and birth date are untouched.
    assert updates == {"sex": None, "requested_slot": "sex"}
