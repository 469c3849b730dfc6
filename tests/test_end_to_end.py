"""The real Rasa server and action server on free ports, driven over the REST webhook."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.servers import running_servers

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with running_servers(tmp_path_factory.mktemp("servers")) as servers:
        yield servers


def joined(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def buttons(messages: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in messages for b in m.get("buttons") or []}


@pytest.mark.parametrize("question, source", [
    ("what does resolution 2396 require?", "Source: Security Council resolution 2396 (2017)"),
    ("can a 14-year-old returnee be prosecuted?", "Neuchâtel Memorandum"),
    ("What is VERA-2R?", "Source: PRR domain brief"),
    ("what are the nelson mandela rules", "General Assembly resolution 70/175 (2015)"),
])
def test_knowledge_questions_are_answered_with_their_source(servers, question, source):
    reply = servers.say("reader-1", question)
    assert source in joined(reply)
    assert "not legal advice" in joined(reply)


def test_an_unanswerable_question_is_not_made_up(servers):
    reply = joined(servers.say("reader-2", "what does resolution 9999 say about lunar mining?"))
    assert "no reliable answer" in reply or "outside what I can help with" in reply
    assert "Source:" not in reply


def test_greeting_help_and_bot_question(servers):
    assert "PRR Assistant" in joined(servers.say("reader-3", "hello"))
    assert "start an intake" in joined(servers.say("reader-3", "what can you do?"))
    assert "I am a bot" in joined(servers.say("reader-3", "are you a bot?"))


@pytest.mark.parametrize("nasty", ["", "x" * 10000, "😀😀😀", "'; DROP TABLE cases; --", "asdkjh qwpoeiru zxmcnv"])
def test_bad_input_outside_an_interview_gets_a_reply_and_no_error(servers, nasty):
    reply = servers.say("reader-5", nasty)
    assert joined(reply).strip()
    assert "PRR Assistant" in joined(servers.say("reader-5", "hello"))  # the conversation still works


ADULT_INTAKE = [
    # (what the staff member sends, text expected in the reply); "@title" presses that button
    ("start an intake", "What kind of intake"),
    ("@repatriated returnee", "full name"),
    ("R2-D2", "only letters"),                       # invalid: digits in a name
    ("Aigerim Nurlanovna Sultanova", "date of birth"),
    ("31.02.2020", "not a real date"),                # invalid: no 31 February
    ("5 January 1990", "Sex?"),
    ("@female", "nationality"),
    ("Narnia", "could not match"),                    # invalid: not a country
    ("kazakstan", "verified"),
    ("@DNA match with relatives", "When did they return"),
    ("March 2019", "How long"),
    ("3 and a half years", "length of time"),         # invalid duration wording
    ("42 months", "What role"),
    ("@spouse", "associated"),
    ("@coerced", "legal status"),
    ("@under investigation", "health needs"),
    ("asthma, needs an inhaler", "psychosocial"),
    ("skip", "How many children"),
    ("25", "0 to 20"),                                # invalid: too many
    ("3", "risk assessment tool"),
    ("@VERA-2R", "referrals"),
    ("psychologist, legal aid", "Any other referral"),
    ("done", "consent"),
    ("@yes", "notes"),
    ("arrived with three children; speaks Russian", "check the answers"),
    ("change nationality", "nationality"),
    ("Uzbekistan", "check the answers"),
    ("@confirm", "The case reference is PRR-"),
]


def drive(servers, sender, script):
    last = []
    for message, expected in script:
        if message.startswith("@"):
            options = buttons(last)
            assert message[1:] in options, f"no button {message[1:]!r} in {options}"
            message = options[message[1:]]
        last = servers.say(sender, message)
        assert expected in joined(last), f"after {message!r}: {joined(last)!r}"
    return last


def test_a_full_intake_with_invalid_answers_is_saved_with_every_field_typed(servers):
    last = drive(servers, "intake-officer-1", ADULT_INTAKE)
    reference = joined(last).split("reference is ")[1].split(".")[0].strip()
    engine = create_engine(servers.db_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM cases WHERE reference = :r"), {"r": reference}).mappings().one()
        referrals = conn.execute(text("SELECT referral FROM case_referrals WHERE case_id = :i ORDER BY id"),
                                 {"i": row["id"]}).scalars().all()
    engine.dispose()
    assert row["intake_type"] == "repatriated returnee"
    assert row["full_name"] == "Aigerim Nurlanovna Sultanova"
    assert str(row["date_of_birth"]) == "1990-01-05" and row["estimated_age"] is None
    assert row["sex"] == "female" and row["nationality"] == "UZB"
    assert row["nationality_verification"] == "DNA match with relatives"
    assert str(row["return_date"]) == "2019-03-01" and row["return_date_precision"] == "month"
    assert row["time_in_conflict_zone_months"] == 42
    assert (row["role"], row["association"], row["legal_status"]) == ("spouse", "coerced", "under investigation")
    assert row["health_needs"] == "asthma, needs an inhaler" and row["psychosocial_needs"] is None
    assert row["accompanying_children"] == 3 and row["risk_tool"] == "VERA-2R"
    assert row["caregiver"] is None and row["unaccompanied"] is None
    assert referrals == ["psychologist", "legal aid"]
    assert row["consent"] in (1, True) and row["notes"] == "arrived with three children; speaks Russian"
    assert row["created_by"] == "intake-officer-1" and row["channel"] == "rest" and row["status"] == "intake"

    # The same staff member then works with the case.
    assert reference in joined(servers.say("intake-officer-1", "list my cases"))
    reply = joined(servers.say("intake-officer-1", f"move {reference} to screening because identity confirmed"))
    assert "now in screening" in reply
    reply = joined(servers.say("intake-officer-1", f"add a note to {reference}: met the children"))
    assert "Note added" in reply
    reply = joined(servers.say("intake-officer-1", f"show case {reference}"))
    assert "met the children" in reply and "status: screening" in reply


def test_bad_input_mid_interview_loses_nothing(servers):
    sender = "intake-officer-2"
    drive(servers, sender, [("start an intake", "What kind of intake"), ("@self-returned", "full name"),
                            ("Amina Bekova", "date of birth")])
    for nasty in ["", "x" * 10000, "😀😀😀", "'; DROP TABLE cases; --", '"foo" AND (bar OR *)']:
        reply = joined(servers.say(sender, nasty))
        assert "date of birth" in reply, f"{nasty[:20]!r}: {reply[:300]!r}"
    reply = joined(servers.say(sender, "12.03.2015"))
    assert "Sex?" in reply
    reply = joined(servers.say(sender, "back"))
    assert "date of birth" in reply


def test_a_child_intake_asks_the_child_questions_and_cancel_needs_confirmation(servers):
    sender = "intake-officer-3"
    drive(servers, sender, [("register a new returnee", "What kind of intake"), ("@relocated", "full name"),
                            ("Timur Akhmetov", "date of birth"), ("unknown", "estimated age"),
                            ("about 9", "Sex?"), ("@male", "nationality"), ("stateless", "verified"),
                            ("@pending", "return"), ("skip", "How long"), ("unknown", "role"),
                            ("@child", "associated"), ("@born in the conflict zone", "legal status"),
                            ("@none", "health"), ("none", "psychosocial"), ("none", "caregiver"),
                            ("Saule Akhmetova, aunt", "unaccompanied"), ("cancel", "Cancel this intake"),
                            ("no", "unaccompanied"), ("cancel", "Cancel this intake"), ("yes", "cancelled")])
    assert "No intake is running" in joined(servers.say(sender, "skip"))


def test_an_unfinished_intake_survives_a_rasa_restart(servers):
    sender = "intake-officer-4"
    drive(servers, sender, [("start an intake", "What kind of intake"), ("@other", "full name"),
                            ("Dilnaz Serikovna", "date of birth")])
    servers.stop(servers.rasa)
    servers.start_rasa()
    reply = joined(servers.say(sender, "1 May 1985"))
    assert "Sex?" in reply
