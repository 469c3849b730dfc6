"""The web chat app in process (aiohttp's test client), with the real staff store on SQLite and a
fake Rasa: sessions, login limits, cross-site refusals and error answers, without starting Rasa."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.web import app as web_app
from bot.channels.web.app import IDLE_TIMEOUT, SESSION_LIFETIME, WebChat
from bot.language.catalogue import text
from bot.staff.store import StaffStore, login_refusal
from bot.storage.db import session_factory
from tests.support.fake_rasa import FakeRasa

pytestmark = pytest.mark.anyio
CROSS_SITE, SEND_JSON = text("channel.cross_site"), text("channel.send_as_json")
LOGIN_BUSY, UNAVAILABLE = text("channel.login_busy"), text("channel.unavailable")
PASSWORD = "correct horse battery"
OURS = {"X-PRR": "1"}


@pytest.fixture
def anyio_backend():
    return "asyncio"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def staff(sqlite_url):
    store = StaffStore(session_factory(sqlite_url))
    for name in ("w.intake", "w.other"):
        store.add(name, "intake")
        store.set_password(name, PASSWORD)
    return store


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def rasa():
    return FakeRasa()


def chat_for(staff, rasa, clock, **options) -> WebChat:
    return WebChat(rasa, staff, clock=clock, **options)


async def client_for(chat: WebChat) -> TestClient:
    client = TestClient(TestServer(chat.app()))
    await client.start_server()
    return client


async def log_in(client, name="w.intake", password=PASSWORD, **headers):
    return await client.post("/api/login", json={"name": name, "password": password}, headers={**OURS, **headers})


async def say(client, text, **headers):
    return await client.post("/api/message", json={"text": text}, headers={**OURS, **headers})


async def test_the_session_names_who_is_logged_in_and_speaks_as_them(staff, rasa, clock):
    client = await client_for(chat_for(staff, rasa, clock))
    try:
        login = await log_in(client)
        assert login.status == 200 and (await login.json())["name"] == "w.intake"
        cookie = login.headers["Set-Cookie"]
        assert "prr_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Max-Age" not in cookie and "expires" not in cookie.lower()  # gone when the browser closes
        reply = await client.post("/api/message", json={"text": "hello", "sender": "999"}, headers=OURS)
        assert reply.status == 200 and (await reply.json())["messages"][0]["text"] == "Hello from the assistant."
        member = staff.active_by_name("w.intake")
        assert rasa.sent == [(member.sender_id, "hello", "web")]  # the browser's "sender" is ignored
        history = await (await client.get("/api/history")).json()
        assert history["name"] == "w.intake" and [m["text"] for m in history["messages"]][0] == "hello"
    finally:
        await client.close()


@pytest.mark.parametrize("change", ["disable", "set_password"])
async def test_a_disable_or_password_change_ends_the_session_and_its_history(staff, rasa, clock, change):
    chat = chat_for(staff, rasa, clock)
    client = await client_for(chat)
    try:
        await log_in(client)
        await say(client, "show case PRR-2026-0001")
        if change == "disable":
            staff.disable("w.intake")
        else:
            staff.set_password("w.intake", "a brand new password")
        assert (await client.get("/api/history")).status == 401
        assert (await say(client, "list my cases")).status == 401
        assert chat.sessions == {}  # the conversation held for the reload is gone too
        assert len(rasa.sent) == 1
    finally:
        await client.close()


async def test_the_sweep_drops_sessions_of_disabled_staff_without_a_request(staff, rasa, clock):
    chat = chat_for(staff, rasa, clock)
    client = await client_for(chat)
    try:
        await log_in(client)
        await log_in(client, "w.other")
        staff.disable("w.intake")
        await chat.sweep()
        assert [s.name for s in chat.sessions.values()] == ["w.other"]
    finally:
        await client.close()


async def test_sessions_end_after_20_idle_minutes_and_8_hours_in_all(staff, rasa, clock):
    client = await client_for(chat_for(staff, rasa, clock))
    try:
        await log_in(client)
        clock.now += IDLE_TIMEOUT - 5
        assert (await client.get("/api/me")).status == 200
        clock.now += IDLE_TIMEOUT + 1
        assert (await client.get("/api/me")).status == 401

        await log_in(client)
        steps = SESSION_LIFETIME // (IDLE_TIMEOUT // 2)
        for _ in range(steps - 1):  # kept busy all day
            clock.now += IDLE_TIMEOUT // 2
            assert (await client.get("/api/me")).status == 200
        clock.now += IDLE_TIMEOUT // 2 + 1
        refused = await client.get("/api/me")
        assert refused.status == 401 and (await refused.json())["error"] == "Please log in."
    finally:
        await client.close()


async def test_posts_from_another_origin_or_not_in_json_are_refused(staff, rasa, clock):
    client = await client_for(chat_for(staff, rasa, clock))
    try:
        own = f"http://{client.server.host}:{client.server.port}"
        assert (await log_in(client, Origin="https://evil.example")).status == 403
        assert (await log_in(client, Origin=own)).status == 200
        for headers in ({"Origin": "http://127.0.0.1:1"}, {"Sec-Fetch-Site": "same-site"}, {"X-PRR": "0"}):
            refused = await say(client, "list my cases", **headers)
            assert refused.status == 403 and (await refused.json())["error"] == CROSS_SITE
            assert refused.headers["X-Frame-Options"] == "DENY"
        plain = await client.post("/api/message", data='{"text": "hi"}', headers={**OURS, "Content-Type": "text/plain"})
        assert plain.status == 415 and (await plain.json())["error"] == SEND_JSON
        assert rasa.sent == []
        assert (await say(client, "hi", Origin=own, **{"Sec-Fetch-Site": "same-origin"})).status == 200
    finally:
        await client.close()


async def test_over_https_the_cookie_is_host_prefixed_and_secure(staff, rasa, clock):
    client = await client_for(chat_for(staff, rasa, clock, secure_cookies=True))
    try:
        login = await log_in(client)
        cookie = login.headers["Set-Cookie"]
        assert cookie.startswith("__Host-prr_session=") and "Secure" in cookie and "Path=/" in cookie
        assert "Domain" not in cookie and "Strict-Transport-Security" in login.headers
    finally:
        await client.close()


async def test_one_client_cannot_pause_someone_elses_name(staff, rasa, clock):
    client = await client_for(chat_for(staff, rasa, clock, trust_forwarded=True))
    attacker, colleague = {"X-Forwarded-For": "10.0.0.66"}, {"X-Forwarded-For": "10.0.0.7"}
    try:
        for _ in range(4):
            wrong = await log_in(client, password="guessing, guessing", **attacker)
            assert wrong.status == 401 and (await wrong.json())["error"] == str(login_refusal())
        blocked = await log_in(client, password="guessing, guessing", **attacker)
        assert blocked.status == 429 and "15 minutes" in (await blocked.json())["error"]
        assert int(blocked.headers["Retry-After"]) > 800
        assert (await log_in(client, **colleague)).status == 200  # the name was never paused
        clock.now += 15 * 60 + 1
        assert (await log_in(client, password="guessing, guessing", **attacker)).status == 401
    finally:
        await client.close()


async def test_a_flood_of_logins_waits_for_two_hashing_slots_and_the_excess_is_turned_away(staff, rasa, clock):
    running, most = 0, 0
    login = staff.login

    def counted_login(*args):
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            return login(*args)
        finally:
            running -= 1

    staff.login = counted_login
    client = await client_for(chat_for(staff, rasa, clock, trust_forwarded=True))
    try:
        answers = await asyncio.gather(
            *(log_in(client, password="wrong password!", **{"X-Forwarded-For": f"10.1.0.{n}"}) for n in range(16))
        )
        statuses = sorted(a.status for a in answers)
        busy = [await a.json() for a in answers if a.status == 429]
        assert most <= 2 and statuses.count(401) >= 10
        assert busy and all(b["error"] == LOGIN_BUSY for b in busy)
    finally:
        await client.close()


async def test_bad_requests_and_an_unavailable_assistant_get_plain_answers(staff, rasa, clock):
    client = await client_for(chat_for(staff, rasa, clock))
    try:
        bad_login = await client.post("/api/login", data="[1, 2]", headers={**OURS, "Content-Type": "application/json"})
        assert bad_login.status == 400 and "name and a password" in (await bad_login.json())["error"]
        await log_in(client)
        too_long = await say(client, "x" * (web_app.MAX_TEXT + 1))
        assert too_long.status == 400 and "10,000" in (await too_long.json())["error"]
        rasa.unavailable()
        down = await say(client, "what is VERA-2R?")
        assert down.status == 503 and (await down.json())["error"] == UNAVAILABLE
        assert (await (await client.get("/api/history")).json())["messages"] == []
    finally:
        await client.close()
