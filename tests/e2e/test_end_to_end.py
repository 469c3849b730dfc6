"""The real Rasa server and action server, driven over the bridge webhook: whole intakes, bad
input mid-interview, roles, what a saved intake leaves behind, restarts and long interviews
(see conftest.py for `servers`)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.cases.store import CaseStore
from bot.staff.models import Actor
from bot.storage.db import session_factory
from tests.support.conversation import drive, joined, staff
from tests.support.servers import API_TOKEN

pytestmark = pytest.mark.servers


ADULT_INTAKE = [
    # (what the staff member sends, text expected in the reply); "@title" presses that button
    ("start an intake", "What kind of intake"),
    ("@repatriated returnee", "full name"),
    ("R2-D2", "only letters"),  # invalid: digits in a name
    ("Aigerim Nurlanovna Sultanova", "date of birth"),
    ("31.02.2020", "not a real date"),  # invalid: no 31 February
    ("5 January 1990", "Sex?"),
    ("@female", "nationality"),
    ("Narnia", "could not match"),  # invalid: not a country
    ("kazakstan", "verified"),
    ("@DNA match with relatives", "When did they return"),
    ("March 2019", "How long"),
    ("3 and a half years", "length of time"),  # invalid duration wording
    ("42 months", "What role"),
    ("@spouse", "associated"),
    ("@coerced", "legal status"),
    ("@under investigation", "health needs"),
    ("asthma, needs an inhaler", "psychosocial"),
    ("skip", "How many children"),
    ("25", "0 to 20"),  # invalid: too many
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


def test_a_full_intake_with_invalid_answers_is_saved_with_every_field_typed(servers):
    last = drive(servers, staff(servers, "officer1"), ADULT_INTAKE)
    reference = joined(last).split("reference is ")[1].split(".")[0].strip()
    engine = create_engine(servers.db_url)
    with engine.connect() as conn:  # what a copy of the database shows
        raw = conn.execute(
            text("SELECT full_name, date_of_birth, notes FROM cases WHERE reference = :r"), {"r": reference}
        ).one()
    engine.dispose()
    assert all(value.startswith("gAAAAA") for value in raw)
    supervisor_view = Actor(staff(servers, "super"), "supervisor")
    case = CaseStore(session_factory(servers.db_url)).get(reference, actor=supervisor_view, channel="test")
    assert case.intake_type == "repatriated returnee"
    assert case.full_name == "Aigerim Nurlanovna Sultanova"
    assert case.date_of_birth == date(1990, 1, 5) and case.estimated_age is None
    assert case.sex == "female" and case.nationality == "UZB"
    assert case.nationality_verification == "DNA match with relatives"
    assert case.return_date == date(2019, 3, 1) and case.return_date_precision == "month"
    assert case.time_in_conflict_zone_months == 42
    assert (case.role, case.association, case.legal_status) == ("spouse", "coerced", "under investigation")
    assert case.health_needs == "asthma, needs an inhaler" and case.psychosocial_needs is None
    assert case.accompanying_children == 3 and case.risk_tool == "VERA-2R"
    assert case.caregiver is None and case.unaccompanied is None
    assert [r.referral for r in case.referrals] == ["psychologist", "legal aid"]
    assert case.consent is True and case.notes == "arrived with three children; speaks Russian"
    assert case.created_by == staff(servers, "officer1") and case.channel == "shell" and case.status == "intake"

    # The intake officer sees it; only a supervisor (or its case manager) works on it.
    officer, supervisor = staff(servers, "officer1"), staff(servers, "super")
    assert reference in joined(servers.say(officer, "list my cases"))
    move = f"move {reference} to screening because identity confirmed"
    assert joined(servers.say(officer, move)) == "not permitted"
    assert "now in screening" in joined(servers.say(supervisor, move))
    assert "Note added" in joined(servers.say(supervisor, f"add a note to {reference}: met the children"))
    reply = joined(servers.say(officer, f"show case {reference}"))
    assert "met the children" in reply and "status: screening" in reply
    assert joined(servers.say(staff(servers, "manager"), f"show case {reference}")) == "not permitted"
    assert joined(servers.say("999", f"show case {reference}")) == "not permitted"  # not a staff member


def test_bad_input_mid_interview_loses_nothing(servers):
    sender = staff(servers, "officer2")
    drive(
        servers,
        sender,
        [
            ("start an intake", "What kind of intake"),
            ("@self-returned", "full name"),
            ("Amina Bekova", "date of birth"),
        ],
    )
    for nasty in ["", "x" * 10000, "😀😀😀", "'; DROP TABLE cases; --", '"foo" AND (bar OR *)']:
        reply = joined(servers.say(sender, nasty))
        assert "date of birth" in reply, f"{nasty[:20]!r}: {reply[:300]!r}"
    reply = joined(servers.say(sender, "12.03.2015"))
    assert "Sex?" in reply
    reply = joined(servers.say(sender, "back"))
    assert "date of birth" in reply


def test_a_child_intake_asks_the_child_questions_and_cancel_needs_confirmation(servers):
    sender = staff(servers, "officer3")
    drive(
        servers,
        sender,
        [
            ("register a new returnee", "What kind of intake"),
            ("@relocated", "full name"),
            ("Timur Akhmetov", "date of birth"),
            ("unknown", "estimated age"),
            ("about 9", "Sex?"),
            ("@male", "nationality"),
            ("stateless", "verified"),
            ("@pending", "return"),
            ("skip", "How long"),
            ("unknown", "role"),
            ("@child", "associated"),
            ("@born in the conflict zone", "legal status"),
            ("@none", "health"),
            ("none", "psychosocial"),
            ("none", "caregiver"),
            ("Saule Akhmetova, aunt", "unaccompanied"),
            ("cancel", "Cancel this intake"),
            ("no", "unaccompanied"),
            ("cancel", "Cancel this intake"),
            ("yes", "cancelled"),
        ],
    )
    assert "No intake is running" in joined(servers.say(sender, "skip"))


def test_a_case_manager_cannot_start_an_intake(servers):
    assert "not permitted" in joined(servers.say(staff(servers, "manager"), "start an intake"))
    assert "No intake is running" in joined(servers.say(staff(servers, "manager"), "skip"))


def test_a_saved_intake_leaves_no_name_or_birth_date_in_the_database_file_tracker_or_logs(servers):
    officer = staff(servers, "officer5")
    script = [
        ("start an intake", "What kind of intake"),
        ("@other", "full name"),
        ("Zhanargul Plantedova", "date of birth"),
        ("23.04.1987", "Sex?"),
        ("@female", "nationality"),
        ("Kazakhstan", "verified"),
        ("@documents", "return"),
        ("skip", "How long"),
        ("skip", "role"),
        ("@supporter", "associated"),
        ("@voluntary", "legal status"),
        ("@charged", "health"),
        ("none", "psychosocial"),
        ("none", "How many children"),
        ("0", "risk"),
        ("skip", "referrals"),
        ("none", "consent"),
        ("@yes", "notes"),
        ("Plantedova moved from Aktau in 2019", "check the answers"),
        ("@confirm", "The case reference is PRR-"),
    ]
    last = drive(servers, officer, script)
    reference = joined(last).split("reference is ")[1].split(".")[0].strip()
    assert "Zhanargul Plantedova" in joined(servers.say(officer, f"show case {reference}"))  # staff still see it
    planted = [b"Plantedova", b"1987-04-23", b"23.04.1987", b"23 April 1987"]
    files = [p for p in servers.workdir.iterdir() if p.name.startswith("prr.db") or p.suffix == ".log"]
    assert any(p.name == "prr.db" for p in files) and any(p.suffix == ".log" for p in files)
    for path in files:
        content = path.read_bytes()
        assert not [n for n in planted if n in content], f"{path.name} holds {[n for n in planted if n in content]}"
    tracker = requests.get(
        f"http://127.0.0.1:{servers.rasa_port}/conversations/{officer}/tracker", params={"token": API_TOKEN}, timeout=10
    ).json()
    assert tracker["slots"]["full_name"] is None
    dumped = json.dumps(tracker)
    leaks = [
        dumped[max(0, i - 300) : i + 50]
        for i in [dumped.find(n) for n in ("Plantedova", "23.04.1987", "1987-04-23")]
        if i >= 0
    ]
    assert leaks == []


def test_an_unfinished_intake_survives_a_rasa_restart(servers):
    sender = staff(servers, "officer4")
    drive(
        servers,
        sender,
        [("start an intake", "What kind of intake"), ("@other", "full name"), ("Dilnaz Serikovna", "date of birth")],
    )
    servers.stop(servers.rasa)
    on_disk = b"".join(p.read_bytes() for p in servers.workdir.iterdir() if p.name.startswith("prr.db"))
    assert b"Serikovna" not in on_disk  # the unfinished interview is sealed in the database, not in clear
    servers.start_rasa()
    reply = joined(servers.say(sender, "1 May 1985"))
    assert "Sex?" in reply


def test_a_long_interview_crosses_session_boundaries_and_loses_nothing(servers):
    """Our tracker store starts a new session every so often; the interview must not notice."""
    officer = staff(servers, "officer6")
    drive(
        servers,
        officer,
        [
            ("start an intake", "What kind of intake"),
            ("@relocated", "full name"),
            ("Saltanat Boundaryova", "date of birth"),
        ],
    )
    for n in range(30):  # a long struggle with one answer: hundreds of events
        assert "not a real date" in joined(servers.say(officer, f"31.02.19{60 + n}"))
    last = drive(
        servers,
        officer,
        [
            ("1 May 1985", "Sex?"),
            ("@female", "nationality"),
            ("Kazakhstan", "verified"),
            ("@documents", "return"),
            ("skip", "How long"),
            ("skip", "role"),
            ("@spouse", "associated"),
            ("@coerced", "legal status"),
            ("@none", "health"),
            ("none", "psychosocial"),
            ("none", "How many children"),
            ("2", "risk"),
            ("skip", "referrals"),
            ("none", "consent"),
            ("@yes", "notes"),
            ("none", "check the answers"),
            ("@confirm", "The case reference is PRR-"),
        ],
    )
    reference = joined(last).split("reference is ")[1].split(".")[0].strip()
    engine = create_engine(servers.db_url)
    with engine.connect() as conn:
        boundaries = conn.execute(
            text("SELECT COUNT(*) FROM events WHERE sender_id = :s AND type_name = 'session_started'"), {"s": officer}
        ).scalar()
        plan = " ".join(
            str(row)
            for row in conn.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT MAX(timestamp) FROM events WHERE sender_id = 'x' AND type_name = 'session_started'"
                )
            )
        )
    engine.dispose()
    assert boundaries >= 2
    assert "prr_events_session_start" in plan  # a session is found by index, not by reading all the sender's events
    case = CaseStore(session_factory(servers.db_url)).get(reference, actor=Actor(officer, "intake"), channel="test")
    assert case.full_name == "Saltanat Boundaryova" and str(case.date_of_birth) == "1985-05-01"
    assert case.association == "coerced" and case.accompanying_children == 2
    for path in [p for p in servers.workdir.iterdir() if p.name.startswith("prr.db")]:
        assert b"Boundaryova" not in path.read_bytes(), path.name  # redaction reached across the boundaries
