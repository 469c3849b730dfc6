"""Web chat server (aiohttp), beside Rasa on its own port.

Browser -> this server (session cookie -> staff id) -> Rasa's bridge channel -> actions.
The staff id comes from the server-side session, never from the browser. Sessions, and the
conversation shown after a page reload, live in this process's memory only.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bot.channels.rasa_client import AssistantUnavailable, RasaClient
from bot.language.catalogue import text as say
from bot.language.catalogue import texts
from bot.staff.store import LoginRefused, StaffStore

logger = logging.getLogger("prr.web")
STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "prr_session"
IDLE_TIMEOUT = 8 * 3600
MAX_TEXT = 10000
HISTORY_LIMIT = 300
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class Session:
    staff_id: str
    name: str
    last_seen: float = field(default_factory=time.monotonic)
    history: list[dict] = field(default_factory=list)


class WebChat:
    def __init__(self, rasa: RasaClient, staff: StaffStore, secure_cookies: bool = False):
        self.rasa = rasa
        self.staff = staff
        self.secure_cookies = secure_cookies
        self.sessions: dict[str, Session] = {}

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024, middlewares=[self._headers])
        app.router.add_get("/", self.index)
        app.router.add_static("/static/", STATIC, show_index=False)
        app.router.add_post("/api/login", self.login)
        app.router.add_post("/api/logout", self.logout)
        app.router.add_get("/api/me", self.me)
        app.router.add_get("/api/history", self.history)
        app.router.add_post("/api/message", self.message)
        return app

    @web.middleware
    async def _headers(self, request: web.Request, handler):
        response = await handler(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=page(), content_type="text/html")

    # -- sessions -------------------------------------------------------------------------------

    def _session(self, request: web.Request) -> Session | None:
        token = request.cookies.get(COOKIE, "")
        session = self.sessions.get(token)
        if session is None:
            return None
        if time.monotonic() - session.last_seen > IDLE_TIMEOUT:
            self.sessions.pop(token, None)
            return None
        session.last_seen = time.monotonic()
        return session

    def _require(self, request: web.Request, mutating: bool = False) -> Session:
        # A custom header on every state-changing call: with SameSite=Strict cookies, this keeps
        # other sites from posting as the staff member.
        if mutating and request.headers.get("X-PRR") != "1":
            raise web.HTTPForbidden(text="missing request header")
        session = self._session(request)
        if session is None:
            raise web.HTTPUnauthorized(text="please log in", headers=SECURITY_HEADERS)
        return session

    async def login(self, request: web.Request) -> web.Response:
        if request.headers.get("X-PRR") != "1":
            raise web.HTTPForbidden(text="missing request header")
        try:
            body = await request.json()
            name, password = str(body.get("name", ""))[:80], str(body.get("password", ""))[:200]
        except (ValueError, AttributeError):
            return web.json_response({"error": say("channel.send_name_and_password")}, status=400)
        try:
            member = await asyncio.to_thread(self.staff.login, name, password)
        except LoginRefused as refusal:
            return web.json_response({"error": str(refusal)}, status=401)
        token = secrets.token_urlsafe(32)
        self.sessions[token] = Session(member.sender_id, member.name)
        response = web.json_response({"name": member.name})
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="Strict", secure=self.secure_cookies, path="/", max_age=IDLE_TIMEOUT
        )
        return response

    async def logout(self, request: web.Request) -> web.Response:
        self.sessions.pop(request.cookies.get(COOKIE, ""), None)
        response = web.json_response({"ok": True})
        response.del_cookie(COOKIE, path="/")
        return response

    async def me(self, request: web.Request) -> web.Response:
        return web.json_response({"name": self._require(request).name})

    async def history(self, request: web.Request) -> web.Response:
        return web.json_response({"messages": self._require(request).history})

    async def message(self, request: web.Request) -> web.Response:
        session = self._require(request, mutating=True)
        try:
            text = str((await request.json()).get("text", ""))
        except (ValueError, AttributeError):
            return web.json_response({"error": say("channel.send_json")}, status=400)
        if len(text) > MAX_TEXT:
            return web.json_response({"error": say("channel.message_too_long", max_chars=MAX_TEXT)}, status=400)
        try:
            replies = await self.rasa.send(session.staff_id, text, channel="web")
        except AssistantUnavailable:
            return web.json_response({"error": say("channel.unavailable")}, status=503)
        shown = [{"from": "assistant", "text": r.get("text") or "", "buttons": r.get("buttons") or []} for r in replies]
        session.history.extend([{"from": "staff", "text": text}, *shown])
        del session.history[:-HISTORY_LIMIT]
        return web.json_response({"messages": shown})


def page(lang: str | None = None) -> str:
    """index.html with its {{web.*}} texts filled in, and every web.* text as JSON for app.js."""
    data = json.dumps({f"web.{key}": value for key, value in texts("web", lang).items()}, ensure_ascii=False)
    template = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{texts}}", data.replace("<", "\\u003c"))
    return re.sub(r"\{\{(web\.[a-z_]+)\}\}", lambda m: html.escape(say(m.group(1), lang)), template)


async def serve(
    rasa_url: str, bridge_token: str, staff: StaffStore, listen: tuple[str, int], secure_cookies: bool = False
) -> None:
    import signal

    rasa = RasaClient(rasa_url, bridge_token)
    runner = web.AppRunner(WebChat(rasa, staff, secure_cookies).app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, listen[0], listen[1]).start()
    print(f"Web chat on http://{listen[0]}:{listen[1]}/ . Ctrl-C stops it.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    await rasa.close()
