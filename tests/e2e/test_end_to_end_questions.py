"""The real Rasa server and action server, driven over the bridge webhook: questions with their
sources, chit-chat, bad input, and what the servers expose (see conftest.py for `servers`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.support.conversation import joined, staff
from tests.support.servers import API_TOKEN, listening_addresses

pytestmark = pytest.mark.servers


@pytest.mark.parametrize(
    "question, source",
    [
        ("what does resolution 2396 require?", "resolution 2396"),
        ("can a 14-year-old returnee be prosecuted?", "Criminal Code of the Republic of Kazakhstan"),
        ("What is VERA-2R?", "VERA-2R"),
        ("what are the nelson mandela rules", "A/RES/70/175"),
    ],
)
def test_knowledge_questions_are_answered_with_their_source(servers, question, source):
    reply = joined(servers.say(staff(servers, "reader"), question))
    assert any(line.startswith("Source: ") and source in line for line in reply.splitlines()), reply
    assert "not legal advice" in reply


def test_an_unanswerable_question_is_not_made_up(servers):
    reply = joined(servers.say(staff(servers, "reader"), "what does resolution 9999 say about lunar mining?"))
    assert "no reliable answer" in reply or "outside what I can help with" in reply
    assert "Source:" not in reply


def test_greeting_help_and_bot_question(servers):
    assert "PRR Assistant" in joined(servers.say(staff(servers, "reader"), "hello"))
    assert "start an intake" in joined(servers.say(staff(servers, "reader"), "what can you do?"))
    assert "I am a bot" in joined(servers.say(staff(servers, "reader"), "are you a bot?"))


@pytest.mark.parametrize("nasty", ["", "x" * 10000, "😀😀😀", "'; DROP TABLE cases; --", "asdkjh qwpoeiru zxmcnv"])
def test_bad_input_outside_an_interview_gets_a_reply_and_no_error(servers, nasty):
    reply = servers.say(staff(servers, "reader"), nasty)
    assert joined(reply).strip()
    assert "PRR Assistant" in joined(servers.say(staff(servers, "reader"), "hello"))  # the conversation still works


def test_a_question_the_classifier_may_take_for_an_intake_answer_is_answered_with_no_intake_running(servers):
    reply = joined(servers.say(staff(servers, "reader"), "2178 adopted when, vote result?"))
    assert "Source: " in reply and "No intake is running" not in reply, reply


def test_the_servers_listen_on_this_machine_only(servers):
    assert listening_addresses(servers.rasa_port) == {"127.0.0.1"}
    assert listening_addresses(servers.actions_port) == {"127.0.0.1"}


def test_the_api_token_is_not_on_any_command_line(servers):
    for process in (servers.rasa, servers.actions):
        assert API_TOKEN.encode() not in Path(f"/proc/{process.pid}/cmdline").read_bytes()


def test_the_api_and_webhooks_refuse_callers_without_a_token(servers):
    base = f"http://127.0.0.1:{servers.rasa_port}"
    assert requests.get(f"{base}/conversations/1/tracker", timeout=10).status_code == 401
    assert requests.get(f"{base}/conversations/1/tracker", params={"token": "wrong"}, timeout=10).status_code == 401
    assert requests.get(f"{base}/conversations/1/tracker", params={"token": API_TOKEN}, timeout=10).status_code == 200
    assert requests.post(f"{base}/model/parse", json={"text": "hi"}, timeout=10).status_code == 401
    message = {"sender": staff(servers, "reader"), "message": "list my cases"}
    assert requests.post(f"{base}/webhooks/rest/webhook", json=message, timeout=10).status_code == 404
    assert requests.post(f"{base}/webhooks/bridge/webhook", json=message, timeout=10).status_code == 401
    assert (
        requests.post(
            f"{base}/webhooks/bridge/webhook", json=message, timeout=10, headers={"Authorization": "Bearer wrong"}
        ).status_code
        == 401
    )
