"""A fake Telegram Bot API server on 127.0.0.1, enough for python-telegram-bot and our bridge.

It serves getMe, getUpdates (long polling), sendMessage, editMessageText, answerCallbackQuery,
sendChatAction, setWebhook and deleteWebhook over real HTTP, records every call, and lets a test
play users: send text, press buttons, send photos, edit messages.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import threading
import time

from aiohttp import web

BOT_USER = {"id": 999000, "is_bot": True, "first_name": "PRR Assistant", "username": "prr_test_bot"}


class FakeTelegram:
    def __init__(self):
        self.calls: list[dict] = []
        self.updates: list[dict] = []
        self.messages: dict[int, dict] = {}
        self._next_update = 1
        self._next_message = 1
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.port = None

    # ---- server -----------------------------------------------------------------------------
    def start(self) -> FakeTelegram:
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)
        return self

    def _run(self):
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post(r"/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def stop(self):
        async def shutdown():
            await self._runner.cleanup()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = dict(await request.post()) if request.can_read_body else {}
        for key in ("reply_markup", "allowed_updates"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        with self._lock:
            self.calls.append({"method": method, "params": params, "at": time.monotonic()})
        handler = getattr(self, f"_m_{method}", None)
        result = await handler(params) if handler else True
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, params):
        return BOT_USER

    async def _m_getUpdates(self, params):
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.05)

    async def _m_sendMessage(self, params):
        text = params.get("text", "")
        if params.get("parse_mode") == "HTML":  # what the user sees: tags applied, entities decoded
            text = html.unescape(re.sub(r"<[^>]+>", "", text))
        with self._lock:
            message_id = self._next_message
            self._next_message += 1
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "from": BOT_USER,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": text,
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            self.messages[message_id] = message
        return message

    async def _m_editMessageText(self, params):
        with self._lock:
            message = self.messages[int(params["message_id"])]
            message["text"] = html.unescape(re.sub(r"<[^>]+>", "", params.get("text", "")))
            message.pop("reply_markup", None)
            return dict(message)

    # ---- playing a user -----------------------------------------------------------------------
    def _push(self, kind: str, payload: dict) -> None:
        with self._lock:
            self.updates.append({"update_id": self._next_update, kind: payload})
            self._next_update += 1

    @staticmethod
    def user(user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def _message(self, user_id: int, chat: dict | None = None, **extra) -> dict:
        with self._lock:
            message_id = self._next_message
            self._next_message += 1
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "from": self.user(user_id),
            "chat": chat or {"id": user_id, "type": "private"},
            **extra,
        }

    def send_text(self, user_id: int, text: str, chat: dict | None = None) -> float:
        """`chat` (e.g. {"id": -100, "type": "group"}) is where it is said; a private chat by default."""
        extra = {"text": text}
        if text.startswith("/"):
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self._push("message", self._message(user_id, chat, **extra))
        return self.mark()

    def send_photo(self, user_id: int) -> float:
        self._push(
            "message",
            self._message(user_id, photo=[{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]),
        )
        return self.mark()

    def edit_text(self, user_id: int, text: str) -> float:
        self._push("edited_message", {**self._message(user_id, text=text), "edit_date": int(time.time())})
        return self.mark()

    def press(self, user_id: int, message: dict, title: str) -> float:
        keyboard = message["reply_markup"]["inline_keyboard"]
        data = next(b["callback_data"] for row in keyboard for b in row if b["text"] == title)
        self._push(
            "callback_query",
            {
                "id": f"cq{time.monotonic_ns()}",
                "from": self.user(user_id),
                "chat_instance": "ci",
                "data": data,
                "message": dict(message),
            },
        )
        return self.mark()

    # ---- what the bot did ---------------------------------------------------------------------
    def mark(self) -> float:
        return time.monotonic()

    def sent_since(self, since: float, chat_id: int, method: str = "sendMessage") -> list[dict]:
        with self._lock:
            return [
                c["params"]
                for c in self.calls
                if c["at"] >= since and c["method"] == method and str(c["params"].get("chat_id")) == str(chat_id)
            ]

    def wait_for_text(self, since: float, chat_id: int, needle: str, timeout: float = 60) -> list[dict]:
        """Messages sent to the chat since `since`, once one of them contains `needle`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent = self.sent_since(since, chat_id)
            if any(needle in self._plain(m) for m in sent):
                return sent
            time.sleep(0.05)
        raise AssertionError(
            f"no message with {needle!r} to {chat_id}; got: {[self._plain(m)[:200] for m in self.sent_since(since, chat_id)]}"
        )

    async def until_text(self, since: float, chat_id: int, needle: str, timeout: float = 15) -> list[dict]:
        """`wait_for_text` for a test whose event loop also runs the bridge."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent = self.sent_since(since, chat_id)
            if any(needle in self._plain(m) for m in sent):
                return sent
            await asyncio.sleep(0.05)
        raise AssertionError(f"no message with {needle!r} to {chat_id}")

    def calls_since(self, since: float, method: str) -> list[dict]:
        with self._lock:
            return [c["params"] for c in self.calls if c["at"] >= since and c["method"] == method]

    @staticmethod
    def _plain(params: dict) -> str:
        text = params.get("text", "")
        return html.unescape(re.sub(r"<[^>]+>", "", text)) if params.get("parse_mode") == "HTML" else text

    def last_with_keyboard(self, chat_id: int) -> dict:
        with self._lock:
            return next(
                m
                for m in reversed(list(self.messages.values()))
                if m["chat"]["id"] == chat_id and m.get("reply_markup")
            )
