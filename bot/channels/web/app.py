"""Web chat server (aiohttp), beside Rasa on its own port.

Browser -> this server (session cookie -> staff id) -> Rasa's bridge channel -> actions.
The staff id comes from the server-side session, never from the browser. Sessions, and the
conversation shown after a page reload, live in this process's memory only. A session ends on
logout, after 20 idle minutes, 8 hours after login, or as soon as the staff member is disabled
or their password changes (checked against the database on every request); its history goes
with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import math
import re
import secrets
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bot.channels.rasa_client import AssistantUnavailable, RasaClient
from bot.channels.web.login_guard import LoginBusy, LoginGuard
from bot.language.catalogue import text as say
from bot.language.catalogue import texts
from bot.staff.store import MAX_PASSWORD, LoginRefused, StaffStore

logger = logging.getLogger("prr.web")
STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "prr_session"
# Over HTTPS the browser keeps a __Host- cookie only if it is Secure, host-only and for path /,
# so a sibling subdomain or plain-HTTP service cannot plant its own session.
SECURE_COOKIE = "__Host-prr_session"
IDLE_TIMEOUT = 20 * 60
SESSION_LIFETIME = 8 * 3600
SWEEP_EVERY = 60
MAX_TEXT = 10000
HISTORY_LIMIT = 300
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
HSTS = {"Strict-Transport-Security": "max-age=31536000"}

# What staff read (moving to the message catalogue).


@dataclass
class Session:
    staff_id: str
    name: str
    epoch: int
    started: float
    last_seen: float
    history: list[dict] = field(default_factory=list)


def _refused(status: type[web.HTTPException], message: str) -> web.HTTPException:
    return status(text=json.dumps({"error": message}), content_type="application/json")


class WebChat:
    def __init__(
        self,
        rasa: RasaClient,
        staff: StaffStore,
        *,
        secure_cookies: bool = False,
        trust_forwarded: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.rasa = rasa
        self.staff = staff
        self.secure_cookies = secure_cookies
        self.cookie = SECURE_COOKIE if secure_cookies else COOKIE
        self.trust_forwarded = trust_forwarded  # behind a TLS proxy: the client is its X-Forwarded-For
        self.clock = clock
        self.guard = LoginGuard(clock)
        self.sessions: dict[str, Session] = {}

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024, middlewares=[self._protect])
        app.router.add_get("/", self.index)
        app.router.add_static("/static/", STATIC, show_index=False)
        app.router.add_post("/api/login", self.login)
        app.router.add_post("/api/logout", self.logout)
        app.router.add_get("/api/me", self.me)
        app.router.add_get("/api/history", self.history)
        app.router.add_post("/api/message", self.message)
        app.cleanup_ctx.append(self._sweeping)
        return app

    @web.middleware
    async def _protect(self, request: web.Request, handler):
        headers = {**SECURITY_HEADERS, **(HSTS if self.secure_cookies else {})}
        try:
            if request.method == "POST":
                if self._cross_site(request):
                    raise _refused(web.HTTPForbidden, say("channel.cross_site"))
                if request.content_type != "application/json":
                    raise _refused(web.HTTPUnsupportedMediaType, say("channel.send_as_json"))
            response = await handler(request)
        except web.HTTPException as refusal:
            refusal.headers.update(headers)
            raise
        response.headers.update(headers)
        return response

    def _cross_site(self, request: web.Request) -> bool:
        # The custom header needs a CORS preflight (which gets 405) from any other origin; Origin
        # and Sec-Fetch-Site, which browsers set themselves, also catch other ports and subdomains
        # of the same site that SameSite=Strict lets through.
        if request.headers.get("X-PRR") != "1":
            return True
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return True
        origin = request.headers.get("Origin")
        scheme = "https" if self.secure_cookies else request.scheme
        return origin is not None and origin != f"{scheme}://{request.host}"

    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=page(), content_type="text/html")

    # -- sessions -------------------------------------------------------------------------------

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.last_seen > IDLE_TIMEOUT or now - session.started > SESSION_LIFETIME

    async def _require(self, request: web.Request) -> Session:
        token = request.cookies.get(self.cookie, "")
        session = self.sessions.get(token)
        now = self.clock()
        if session is not None and not self._expired(session, now):
            if await asyncio.to_thread(self.staff.web_session_holder, session.staff_id, session.epoch):
                session.last_seen = now
                return session
        self.sessions.pop(token, None)  # and its history with it
        raise _refused(web.HTTPUnauthorized, say("channel.please_log_in"))

    async def sweep(self) -> None:
        """Drop sessions that have expired or whose staff member was disabled or changed password."""
        now = self.clock()
        for token, session in list(self.sessions.items()):
            if self._expired(session, now) or not await asyncio.to_thread(
                self.staff.web_session_holder, session.staff_id, session.epoch
            ):
                self.sessions.pop(token, None)

    async def _sweeping(self, _app: web.Application):
        async def every_minute() -> None:
            while True:
                await asyncio.sleep(SWEEP_EVERY)
                try:
                    await self.sweep()
                except Exception:  # noqa: BLE001 - a database hiccup must not end the sweeping
                    logger.warning("session sweep failed", exc_info=True)

        task = asyncio.create_task(every_minute())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _client(self, request: web.Request) -> str:
        forwarded = request.headers.get("X-Forwarded-For", "") if self.trust_forwarded else ""
        # The proxy appends the address it saw; anything before it is the client's own say.
        return forwarded.rsplit(",", 1)[-1].strip() or request.remote or "?"

    async def _json(self, request: web.Request) -> dict | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def login(self, request: web.Request) -> web.Response:
        client = self._client(request)
        wait = self.guard.retry_after(client)
        if wait > 0:
            message = say("channel.login_throttled", minutes=math.ceil(wait / 60))
            return web.json_response({"error": message}, status=429, headers={"Retry-After": str(math.ceil(wait))})
        body = await self._json(request)
        if body is None:
            return web.json_response({"error": say("channel.send_name_and_password")}, status=400)
        name, password = str(body.get("name", ""))[:80], str(body.get("password", ""))[: MAX_PASSWORD + 1]
        try:
            member = await self.guard.hashing(lambda: self.staff.login(name, password, "web"))
        except LoginBusy:
            return web.json_response({"error": say("channel.login_busy")}, status=429, headers={"Retry-After": "5"})
        except LoginRefused as refusal:
            self.guard.failed(client)
            return web.json_response({"error": str(refusal)}, status=401)
        self.guard.succeeded(client)
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self.sessions[token] = Session(member.sender_id, member.name, member.session_epoch, now, now)
        response = web.json_response({"name": member.name})
        # No Max-Age: the cookie goes when the browser closes; the server ends the session anyway.
        response.set_cookie(self.cookie, token, httponly=True, samesite="Strict", secure=self.secure_cookies, path="/")
        return response

    async def logout(self, request: web.Request) -> web.Response:
        self.sessions.pop(request.cookies.get(self.cookie, ""), None)
        response = web.json_response({"ok": True})
        response.del_cookie(self.cookie, path="/")
        return response

    async def me(self, request: web.Request) -> web.Response:
        return web.json_response({"name": (await self._require(request)).name})

    async def history(self, request: web.Request) -> web.Response:
        session = await self._require(request)
        return web.json_response({"name": session.name, "messages": session.history})

    async def message(self, request: web.Request) -> web.Response:
        session = await self._require(request)
        body = await self._json(request)
        if body is None:
            return web.json_response({"error": say("channel.send_json")}, status=400)
        text = str(body.get("text", ""))
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


def serve(
    rasa_url: str,
    bridge_token: str,
    staff: StaffStore,
    listen: tuple[str, int],
    *,
    secure_cookies: bool = False,
    trust_forwarded: bool = False,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Run until SIGINT or SIGTERM (aiohttp's run_app handles both)."""
    rasa = RasaClient(rasa_url, bridge_token)  # here, so a refused Rasa address stops us before listening
    chat = WebChat(rasa, staff, secure_cookies=secure_cookies, trust_forwarded=trust_forwarded)
    app = chat.app()

    async def close_rasa_client(_app: web.Application):
        yield
        await rasa.close()

    app.cleanup_ctx.append(close_rasa_client)
    scheme = "https" if ssl_context else "http"
    web.run_app(
        app,
        host=listen[0],
        port=listen[1],
        ssl_context=ssl_context,
        access_log=None,
        print=lambda _: print(f"Web chat on {scheme}://{listen[0]}:{listen[1]}/ . Ctrl-C stops it.", flush=True),
    )
