"""The Telegram bridge's handlers in process: python-telegram-bot against the fake Bot API
server, the real staff store on SQLite, and a fake Rasa, so no Rasa server is started."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from bot.channels.telegram import TelegramBridge
from bot.language.catalogue import text as catalogue_text
from bot.staff.models import AccessRefusal
from bot.staff.store import StaffStore
from bot.storage.db import session_factory
from tests.support.fake_rasa import FakeRasa
from tests.support.fake_telegram import FakeTelegram

EXPIRED, PRIVATE_ONLY = catalogue_text("channel.button_expired"), catalogue_text("channel.private_only")
REFUSAL, UNAVAILABLE = catalogue_text("channel.refusal"), catalogue_text("channel.unavailable")

pytestmark = pytest.mark.anyio
STAFF_TG, OTHER_STAFF_TG, STRANGER_TG = 1001, 1002, 2002
GROUP = {"id": -100123, "type": "supergroup", "title": "Office"}
TOKEN = "12345:fake-token-for-tests"
CHOICES = [
    {"text": "Sex?", "buttons": [{"title": "female", "payload": "female"}, {"title": "male", "payload": "male"}]}
]


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def staff(sqlite_url):
    store = StaffStore(session_factory(sqlite_url))
    store.add("a.sultanova", "intake", STAFF_TG)
    store.add("b.other", "intake", OTHER_STAFF_TG)
    return store


@pytest.fixture
def fake():
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def rasa():
    return FakeRasa()


@pytest.fixture
async def bridge(fake, staff, rasa):
    app = TelegramBridge(rasa, staff).build(TOKEN, fake.base_url)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        yield app
        if app.updater.running:
            await app.updater.stop()
        await app.stop()


async def settle(seconds: float = 1.5) -> None:
    """Long enough for the bridge to fetch and handle what was sent (the fake polls every second)."""
    await asyncio.sleep(seconds)


async def test_nothing_is_said_in_a_group_and_the_bot_leaves_it(bridge, fake, rasa):
    since = fake.send_text(STAFF_TG, "/case PRR-2026-0001", chat=GROUP)
    await fake.until_text(since, GROUP["id"], PRIVATE_ONLY[:30])
    await settle()
    assert [c["chat_id"] for c in fake.calls_since(since, "leaveChat")] == [str(GROUP["id"])]
    assert rasa.sent == []  # a registered staff member, but nothing reached the assistant


async def test_a_stranger_is_answered_once_and_counted_after(bridge, fake, rasa, staff):
    since = fake.send_text(STRANGER_TG, "hello?")
    await fake.until_text(since, STRANGER_TG, REFUSAL[:30])
    for text in ("hello??", "HELLO", "show case PRR-2026-0001"):
        fake.send_text(STRANGER_TG, text)
    await settle(2.5)
    assert len(fake.sent_since(since, STRANGER_TG)) == 1
    with staff._sessions() as session:
        (row,) = session.execute(select(AccessRefusal)).scalars()
    assert (row.external_id, row.attempts) == (str(STRANGER_TG), 4)
    assert rasa.sent == []


async def test_a_button_sends_its_payload_once_and_then_expires(bridge, fake, rasa):
    rasa.replies = CHOICES
    await fake.until_text(fake.send_text(STAFF_TG, "next"), STAFF_TG, "Sex?")
    keyboard = fake.last_with_keyboard(STAFF_TG)
    rasa.replies = [{"text": "Nationality?"}]
    since = fake.press(STAFF_TG, keyboard, "female")
    fake.press(STAFF_TG, keyboard, "male")  # a quick second tap on the same keyboard
    await fake.until_text(since, STAFF_TG, "Nationality?")
    await settle()
    assert [text for _, text, _ in rasa.sent] == ["next", "female"]
    answers = [c.get("text") for c in fake.calls_since(since, "answerCallbackQuery")]
    assert sorted(answers, key=str) == sorted([None, EXPIRED], key=str)
    (edit,) = fake.calls_since(since, "editMessageText")
    assert "✓ female" in FakeTelegram._plain(edit)


async def test_an_unexpected_error_still_gets_the_unavailable_reply(bridge, fake, rasa):
    rasa.failure = RuntimeError("something nobody planned for")
    await fake.until_text(fake.send_text(STAFF_TG, "what is VERA-2R?"), STAFF_TG, UNAVAILABLE[:40])
    rasa.unavailable()
    await fake.until_text(fake.send_text(STAFF_TG, "what is VERA-2R?"), STAFF_TG, UNAVAILABLE[:40])


async def test_one_slow_conversation_does_not_hold_up_another(bridge, fake, rasa, staff):
    slow = staff.active_by_telegram_id(STAFF_TG).sender_id
    rasa.delays[slow] = 4.0
    fake.send_text(STAFF_TG, "a slow question")
    since = fake.send_text(OTHER_STAFF_TG, "a quick question")
    await fake.until_text(since, OTHER_STAFF_TG, "Hello from the assistant.", timeout=3.5)
    assert time.monotonic() - since < 3.5
    assert fake.sent_since(since, STAFF_TG) == []  # the slow one is still on its way
    await fake.until_text(since, STAFF_TG, "Hello from the assistant.")


async def test_one_chat_is_answered_in_the_order_it_wrote(bridge, fake, rasa):
    rasa.echo = True
    rasa.delays["first, and slow"] = 2.0
    since = fake.send_text(STAFF_TG, "first, and slow")
    fake.send_text(STAFF_TG, "second, and quick")
    await fake.until_text(since, STAFF_TG, "You said: second")
    assert [FakeTelegram._plain(m) for m in fake.sent_since(since, STAFF_TG)] == [
        "You said: first, and slow",
        "You said: second, and quick",
    ]


async def test_the_webhook_refuses_a_wrong_secret_and_buttons_work_through_it(bridge, fake, rasa):
    import aiohttp

    from bot.channels.telegram import _start_webhook_server
    from tests.support.servers import free_port

    rasa.replies = CHOICES
    await fake.until_text(fake.send_text(STAFF_TG, "next"), STAFF_TG, "Sex?")
    keyboard = fake.last_with_keyboard(STAFF_TG)
    await bridge.updater.stop()  # from here on, updates come by webhook only
    port = free_port()
    runner = await _start_webhook_server(bridge, "the-secret", ("127.0.0.1", port))
    data = next(b["callback_data"] for row in keyboard["reply_markup"]["inline_keyboard"] for b in row)
    press = {
        "update_id": 90001,
        "callback_query": {
            "id": "cq-webhook",
            "from": FakeTelegram.user(STAFF_TG),
            "chat_instance": "ci",
            "data": data,
            "message": keyboard,
        },
    }
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        async with aiohttp.ClientSession() as http:
            for secret in ("wrong", "sécret"):
                async with http.post(url, json=press, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as r:
                    assert r.status == 403
            rasa.replies = [{"text": "Nationality?"}]
            since = fake.mark()
            async with http.post(url, json=press, headers={"X-Telegram-Bot-Api-Secret-Token": "the-secret"}) as r:
                assert r.status == 200
        await fake.until_text(since, STAFF_TG, "Nationality?")
        assert [text for _, text, _ in rasa.sent] == ["next", "female"]
    finally:
        await runner.cleanup()
