"""The interview rules: branches, skip, back, cancel, questions mid-interview, review and change."""

from __future__ import annotations

from bot.intake import flow
from bot.intake.fields import SKIPPED

CHILD = [
    "self-returned",
    "Amina Bekova",
    "12.03.2015",
    "female",
    "Kazakhstan",
    "documents",
    "March 2019",
    "3 years",
    "child",
    "born in the conflict zone",
    "none",
    "none",
    "none",
    "Gulnara Bekova, grandmother",
    "no",
    "primary",
    "psychologist",
    "done",
    "yes",
    "none",
]


def run(messages, answers=None):
    """Feed messages as Rasa would; return the answers and the last turn."""
    answers = dict(answers or {})
    turn = None
    for text in messages:
        turn = flow.take_turn(answers, flow.next_step(answers) if turn is None else turn.next_step, text)
        answers.update(turn.updates)
    return answers, turn


def test_a_child_gets_the_under_18_questions_and_reaches_the_review():
    answers, turn = run(CHILD)
    assert turn.next_step == flow.REVIEW
    assert answers["caregiver"] == "Gulnara Bekova, grandmother" and answers["unaccompanied"] is False
    assert answers.get("accompanying_children") is None and answers.get("risk_tool") is None


def test_an_adult_prisoner_skips_return_questions_and_gets_adult_ones():
    answers, turn = run(["violent extremist prisoner", "Timur Akhmetov", "1 January 1990", "male", "KZ"])
    assert turn.next_step == "nationality_verification"
    answers, turn = run(["documents", "fighter", "voluntary", "convicted", "none", "none"], answers)
    assert turn.next_step == "accompanying_children"
    assert "return_date" not in answers


def test_unknown_date_of_birth_asks_estimated_age_and_branches_on_it():
    answers, turn = run(["relocated", "Amina Bekova", "unknown"])
    assert turn.next_step == "estimated_age"
    answers, turn = run(["about 9"], answers)
    assert answers["estimated_age"] == 9 and turn.next_step == "sex"


def test_a_bad_answer_is_reasked_with_a_reason_and_earlier_answers_are_kept():
    answers, turn = run(["self-returned", "Amina Bekova", "31.02.2020"])
    assert turn.next_step == "date_of_birth"
    assert "not a real date" in turn.messages[0] and "For example" in turn.messages[0]
    assert answers["full_name"] == "Amina Bekova" and answers["date_of_birth"] is None


def test_skip_works_for_optional_fields_and_is_refused_for_required_ones():
    answers, turn = run(["self-returned", "skip"])
    assert turn.next_step == "full_name" and "required" in turn.messages[0]
    answers, turn = run(CHILD[1:6] + ["skip"], answers)
    assert answers["return_date"] == SKIPPED and turn.next_step == "time_in_conflict_zone"


def test_back_reasks_the_previous_question():
    answers, turn = run(["self-returned", "Amina Bekova", "back"])
    assert turn.next_step == "full_name" and answers["full_name"] is None
    assert answers["intake_type"] == "self-returned"
    _, turn = run(["back"], {})
    assert "first question" in turn.messages[0]


def test_cancel_asks_for_confirmation_then_drops_everything():
    answers, turn = run(["self-returned", "Amina Bekova", "cancel"])
    assert turn.next_step == flow.CANCEL_CONFIRM
    turn = flow.take_turn(answers, flow.CANCEL_CONFIRM, "no")
    assert turn.next_step == "date_of_birth"
    turn = flow.take_turn(answers, flow.CANCEL_CONFIRM, "yes")
    assert turn.next_step is None and turn.updates[flow.OUTCOME] == "cancelled"
    assert all(turn.updates[s] is None for s in flow.STEPS)


def test_a_knowledge_question_mid_interview_is_answered_and_the_question_repeated():
    answers, turn = run(["self-returned", "Amina Bekova"])
    turn = flow.take_turn(answers, "date_of_birth", "what is VERA-2R?", "ask_knowledge", 0.93)
    assert turn.knowledge_query == "what is VERA-2R?" and turn.next_step == "date_of_birth"
    turn = flow.take_turn(answers, "notes", "what does resolution 2396 require?", "ask_knowledge", 0.9)
    assert turn.knowledge_query and turn.next_step == "notes"


def test_review_change_field_reasks_only_that_field_then_returns_to_review():
    answers, _ = run(CHILD)
    turn = flow.take_turn(answers, flow.REVIEW, "change nationality")
    assert turn.next_step == "nationality"
    answers.update(turn.updates)
    answers, turn = run_from(answers, "nationality", "Uzbekistan")
    assert answers["nationality"] == "UZB" and turn.next_step == flow.REVIEW
    turn = flow.take_turn(answers, flow.REVIEW, "change favourite colour")
    assert turn.next_step == flow.REVIEW and "no field" in turn.messages[0]
    turn = flow.take_turn(answers, flow.REVIEW, "confirm")
    assert turn.next_step is None and turn.updates[flow.OUTCOME] == "confirmed"


def test_changing_the_birth_date_at_review_to_an_adult_asks_the_adult_questions():
    answers, _ = run(CHILD)
    answers.update(flow.take_turn(answers, flow.REVIEW, "change date of birth").updates)
    answers, turn = run_from(answers, "date_of_birth", "1 May 1985")
    assert turn.next_step == "accompanying_children"
    saved = flow.completed_answers(answers)
    assert "caregiver" not in saved


def test_referrals_one_after_another():
    answers, _ = run(CHILD[:16])
    answers, turn = run_from(answers, "referrals", "psychologist")
    assert turn.next_step == flow.REFERRALS_MORE
    answers, turn = run_from(answers, flow.REFERRALS_MORE, "legal aid")
    assert answers["referrals"] == ["psychologist", "legal aid"] and turn.next_step == flow.REFERRALS_MORE
    answers, turn = run_from(answers, flow.REFERRALS_MORE, "done")
    assert turn.next_step == "consent"


def test_empty_and_huge_answers_get_a_clear_message():
    turn = flow.take_turn({}, "intake_type", "   ")
    assert turn.next_step == "intake_type" and "did not get an answer" in turn.messages[0]
    turn = flow.take_turn({"intake_type": "other"}, "full_name", "x" * 10000)
    assert turn.next_step == "full_name" and "2 to 120" in turn.messages[0]


def test_review_lists_every_applicable_answer():
    answers, _ = run(CHILD)
    text = flow.review_text(answers)
    assert "Full name: Amina Bekova" in text and "Date of birth: 12 March 2015" in text
    assert "Accompanying children" not in text


def run_from(answers, requested, text):
    turn = flow.take_turn(answers, requested, text)
    answers = {**answers, **turn.updates}
    return answers, turn


def test_a_knowledge_question_at_the_multi_select_referrals_is_answered_not_taken_for_choices():
    answers, _ = run(CHILD[:16])
    # "theologian" is one of the choices: the question must still be answered, not saved as a referral
    turn = flow.take_turn(answers, "referrals", "what does a theologian do with prisoners?", "ask_knowledge", 0.9)
    assert turn.knowledge_query and turn.next_step == "referrals" and turn.updates == {"referrals": None}
    answers, _ = run_from(answers, "referrals", "psychologist")
    for intent, confidence in (("ask_knowledge", 0.9), ("inform", 0.4)):
        turn = flow.take_turn(answers, flow.REFERRALS_MORE, "what is VERA-2R?", intent, confidence)
        assert turn.knowledge_query == "what is VERA-2R?" and turn.next_step == flow.REFERRALS_MORE
        assert not turn.messages and answers["referrals"] == ["psychologist"]


def test_a_note_that_mentions_a_place_of_the_corpus_is_a_note_not_a_question():
    answers, _ = run(CHILD[:19])
    turn = flow.take_turn(answers, "notes", "Plantedova moved from Aktau in 2019", "ask_knowledge", 0.8)
    assert turn.knowledge_query is None and turn.updates["notes"] == "Plantedova moved from Aktau in 2019"
    turn = flow.take_turn(answers, "notes", "what happened at the Aktau centre", "ask_knowledge", 0.8)
    assert turn.knowledge_query == "what happened at the Aktau centre"
