"""The Telegram bridge, offline: a fake Bot API server, the real bridge, real Rasa and action servers."""

from __future__ import annotations

import sqlite3
import subprocess
import time

import pytest
import requests

from bot.cases.store import CaseStore
from bot.cases.views import case_text
from bot.language.catalogue import text
from bot.staff.models import Actor
from bot.staff.store import StaffStore
from bot.storage.db import session_factory
from tests.support.fake_telegram import FakeTelegram
from tests.support.paths import ROOT
from tests.support.servers import BRIDGES_BIN, free_port, running_servers

pytestmark = pytest.mark.servers
STAFF_TG, STRANGER_TG = 1001, 2002
TOKEN = "12345:fake-token-for-tests"


def start_bridge(servers, fake, workdir, *extra):
    env = {**servers.env, "TELEGRAM_BOT_TOKEN": TOKEN}
    log = workdir / f"bridge{len(extra)}.log"
    proc = subprocess.Popen(
        [
            str(BRIDGES_BIN / "prr"),
            "telegram",
            "--base-url",
            fake.base_url,
            "--rasa-url",
            f"http://127.0.0.1:{servers.rasa_port}",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return proc, log


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("telegram")
    fake = FakeTelegram().start()
    with running_servers(workdir) as servers:
        staff = StaffStore(session_factory(servers.db_url)).add("a.sultanova", "intake", STAFF_TG)
        bridge, log = start_bridge(servers, fake, workdir)
        deadline = time.monotonic() + 60
        while not any(c["method"] == "getUpdates" for c in fake.calls):
            assert bridge.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        try:
            yield servers, fake, staff, workdir
        finally:
            servers.stop(bridge)
            fake.stop()


def texts(sent):
    return "\n".join(FakeTelegram._plain(m) for m in sent)


def test_a_knowledge_question_is_answered_with_its_source(world):
    servers, fake, _, _ = world
    since = fake.send_text(STAFF_TG, "what does resolution 2396 require?")
    sent = fake.wait_for_text(since, STAFF_TG, "resolution 2396 (2017), paras.")
    assert fake.sent_since(since, STAFF_TG, "sendChatAction")[0]["action"] == "typing"
    assert any(m.get("reply_markup") for m in sent)  # the next best passages, as inline buttons


def test_an_unregistered_user_is_refused_and_nothing_reaches_rasa(world):
    servers, fake, _, workdir = world
    since = fake.send_text(STRANGER_TG, "show case PRR-2026-0001 unregistered-probe-7731")
    fake.wait_for_text(since, STRANGER_TG, text("channel.refusal")[:40])
    with sqlite3.connect(servers.db_url.removeprefix("sqlite:///")) as db:
        who = db.execute("SELECT channel, external_id, at FROM access_refusals").fetchall()
    assert ("telegram", str(STRANGER_TG)) in [(c, e) for c, e, _ in who]
    with sqlite3.connect(servers.db_url.removeprefix("sqlite:///")) as db:
        events = " ".join(row[0] for row in db.execute("SELECT data FROM events"))
    assert "unregistered-probe-7731" not in events


def test_photos_and_edits_get_a_text_only_reply(world):
    _, fake, _, _ = world
    fake.wait_for_text(fake.send_photo(STAFF_TG), STAFF_TG, text("channel.text_only"))
    fake.wait_for_text(fake.edit_text(STAFF_TG, "changed my mind"), STAFF_TG, text("channel.edited")[:30])


def answer(fake, text, expect):
    return fake.wait_for_text(fake.send_text(STAFF_TG, text), STAFF_TG, expect)


def press(fake, title, expect):
    message = fake.last_with_keyboard(STAFF_TG)
    since = fake.press(STAFF_TG, message, title)
    sent = fake.wait_for_text(since, STAFF_TG, expect)
    edits = fake.sent_since(since, STAFF_TG, "editMessageText")
    assert edits and f"✓ {title}" in FakeTelegram._plain(edits[0])  # the choice is marked in the message
    return sent


def test_a_whole_intake_through_inline_keyboards_and_typed_answers(world):
    servers, fake, staff, _ = world
    answer(fake, "/intake", "What kind of intake")
    press(fake, "self-returned", "full name")
    answer(fake, "Amina Bekova", "date of birth")
    answer(fake, "31.02.2020", "not a real date")
    answer(fake, "12.03.2015", "Sex?")
    press(fake, "female", "nationality")
    answer(fake, "Kazakhstan", "verified")
    press(fake, "documents", "return")
    press(fake, "skip", "How long")
    answer(fake, "18 months", "role")
    press(fake, "child", "associated")
    press(fake, "born in the conflict zone", "legal status")
    press(fake, "none", "health")
    answer(fake, "none", "psychosocial")
    answer(fake, "nightmares <b>not bold</b> & *stars* _under_", "caregiver")
    answer(fake, "Gulnara Bekova, grandmother", "unaccompanied")
    press(fake, "no", "schooling")
    press(fake, "primary", "referrals")
    press(fake, "psychologist", "Any other referral")
    press(fake, "done", "consent")
    press(fake, "yes", "notes")
    sent = answer(fake, "none", "check the answers")
    assert "nightmares <b>not bold</b> & *stars* _under_" in texts(sent)  # shown as typed, not parsed
    sent = press(fake, "confirm", "The case reference is PRR-")
    reference = texts(sent).split("reference is ")[1].split(".")[0]
    case = CaseStore(session_factory(servers.db_url)).get(
        reference, actor=Actor(staff.sender_id, "intake"), channel="test"
    )
    assert case.created_by == staff.sender_id and case.channel == "telegram"
    assert case.full_name == "Amina Bekova" and case.time_in_conflict_zone_months == 18
    assert case.psychosocial_needs == "nightmares <b>not bold</b> & *stars* _under_"


def test_a_6000_character_answer_is_split_at_paragraphs(world):
    servers, fake, staff, _ = world
    store = CaseStore(session_factory(servers.db_url))
    me = Actor(staff.sender_id, "intake")
    reference = store.list_for(actor=me, channel="test")[0].reference
    supervisor = Actor(servers.add_staff("s.supervisor", "supervisor"), "supervisor")
    for n in range(3):
        store.add_note(reference, f"note-{n} " + "word " * 390, actor=supervisor, channel="test")
    since = fake.send_text(STAFF_TG, f"/case {reference}")
    fake.wait_for_text(since, STAFF_TG, "note-2")
    sent = [FakeTelegram._plain(m) for m in fake.sent_since(since, STAFF_TG)]
    assert sum(map(len, sent)) > 6000 and len(sent) >= 2
    assert all(len(m) <= 4096 for m in sent)
    full = case_text(store.get(reference, actor=me, channel="test"))
    for chunk in sent:  # every piece is whole lines of the case view, in order
        start = full.find(chunk)
        assert start == 0 or (start > 0 and full[:start].rstrip(" ").endswith("\n")), chunk[:80]
    assert all(f"note-{n}" in "".join(sent) for n in range(3))


def test_rasa_down_mid_intake_then_back_continues_where_it_stood(world):
    servers, fake, _, _ = world
    answer(fake, "/intake", "What kind of intake")
    press(fake, "relocated", "full name")
    servers.stop(servers.rasa)
    since = fake.send_text(STAFF_TG, "Timur Akhmetov")
    fake.wait_for_text(since, STAFF_TG, text("channel.unavailable")[:40], timeout=15)
    assert time.monotonic() - since < 10
    servers.start_rasa()
    answer(fake, "Timur Akhmetov", "date of birth")
    answer(fake, "/cancel", "Cancel this intake")
    answer(fake, "yes", "cancelled")


def test_webhook_calls_without_the_secret_are_refused(world):
    servers, fake, _, workdir = world
    port = free_port()
    since = fake.mark()
    bridge, log = start_bridge(
        servers, fake, workdir, "--webhook", f"http://127.0.0.1:{port}/telegram", "--listen", f"127.0.0.1:{port}"
    )
    try:
        deadline = time.monotonic() + 60
        while not any(c["method"] == "setWebhook" and c["at"] >= since for c in fake.calls):
            assert bridge.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        secret = next(c["params"]["secret_token"] for c in fake.calls if c["method"] == "setWebhook")
        update = {
            "update_id": 90001,
            "message": {
                "message_id": 90001,
                "date": 0,
                "text": "hello",
                "chat": {"id": STAFF_TG, "type": "private"},
                "from": FakeTelegram.user(STAFF_TG),
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        assert requests.post(url, json=update, timeout=10).status_code == 403
        assert (
            requests.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, timeout=10
            ).status_code
            == 403
        )
        mark = fake.mark()
        ok = requests.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}, timeout=10)
        assert ok.status_code == 200
        fake.wait_for_text(mark, STAFF_TG, "PRR Assistant")
    finally:
        servers.stop(bridge)
