"""Telegram bridge (python-telegram-bot 22): registered staff chat with the assistant.

Telegram -> this bridge (who is it? a registered, active staff member?) -> Rasa's bridge channel
with the staff member's id as sender -> actions -> services. Anyone else is refused here, and
nothing of theirs reaches Rasa.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import signal
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.rasa_client import AssistantUnavailable, RasaClient
from bot.channels.telegram_format import button_rows, split_message, to_html
from bot.language.catalogue import text as say
from bot.staff.store import StaffStore

logger = logging.getLogger("prr.telegram")

COMMANDS = {"start": "hello", "help": "help", "intake": "start an intake", "cancel": "cancel"}


class TelegramBridge:
    def __init__(self, rasa: RasaClient, staff: StaffStore, max_remembered_keyboards: int = 5000):
        self.rasa = rasa
        self.staff = staff
        # Button payloads stay here, not in callback_data (64 bytes at most): (chat, message) -> buttons.
        self._keyboards: OrderedDict[tuple[int, int], list[dict]] = OrderedDict()
        self._max_keyboards = max_remembered_keyboards

    def build(self, token: str, base_url: str | None = None) -> Application:
        builder = Application.builder().token(token)
        if base_url:
            builder = builder.base_url(base_url)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self.gatekeeper), group=-1)
        for command, text in COMMANDS.items():
            app.add_handler(CommandHandler(command, self._command(text)))
        app.add_handler(CommandHandler("case", self.case_command))
        app.add_handler(MessageHandler(filters.UpdateType.EDITED, self.edited))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.text))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT, self.not_text))
        app.add_handler(CallbackQueryHandler(self.button))
        return app

    async def gatekeeper(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        member = await asyncio.to_thread(self.staff.active_by_telegram_id, user.id) if user else None
        if member is not None:
            context.user_data["sender_id"] = member.sender_id
            return
        if user is not None:
            name = " ".join(
                filter(None, [user.first_name, user.last_name, f"@{user.username}" if user.username else None])
            )
            await asyncio.to_thread(self.staff.record_refusal, "telegram", str(user.id), name)
            logger.info("refused an unregistered Telegram user")
        if update.callback_query:
            await update.callback_query.answer(say("channel.refusal"), show_alert=True)
        elif update.effective_chat:
            await context.bot.send_message(update.effective_chat.id, say("channel.refusal"))
        raise ApplicationHandlerStop

    def _command(self, text: str):
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await self.converse(update.effective_chat.id, context, text)

        return handle

    async def case_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        reference = " ".join(context.args or []).strip()
        await self.converse(update.effective_chat.id, context, f"show case {reference}" if reference else "show a case")

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.converse(update.effective_chat.id, context, update.message.text)

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(say("channel.text_only"))

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(update.effective_chat.id, say("channel.edited"))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat_id, message = query.message.chat.id, query.message
        buttons = self._keyboards.pop((chat_id, message.message_id), None)
        index = int(query.data[1:]) if (query.data or "").startswith("b") and query.data[1:].isdigit() else -1
        if buttons is None or not 0 <= index < len(buttons):
            await query.answer(say("channel.button_expired"), show_alert=True)
            return
        chosen = buttons[index]
        await query.answer()
        # Mark the choice in the message itself and drop the keyboard, so it cannot be pressed twice.
        await query.edit_message_text(
            f"{message.text_html}\n\n✓ <b>{to_html(chosen['title'])}</b>", parse_mode=ParseMode.HTML
        )
        await self.converse(chat_id, context, chosen["payload"])

    async def converse(self, chat_id: int, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        try:
            replies = await self.rasa.send(context.user_data["sender_id"], text, channel="telegram")
        except AssistantUnavailable:
            await context.bot.send_message(chat_id, say("channel.unavailable"))
            return
        for reply in replies:
            await self.deliver(context.bot, chat_id, reply)

    async def deliver(self, bot, chat_id: int, reply: dict) -> None:
        chunks = split_message(reply.get("text") or "")
        buttons = reply.get("buttons") or []
        if not chunks and buttons:
            chunks = [say("channel.choose")]
        for number, chunk in enumerate(chunks, 1):
            markup = None
            if buttons and number == len(chunks):
                markup = InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(title, callback_data=f"b{index}") for title, index in row]
                        for row in button_rows(buttons)
                    ]
                )
            sent = await bot.send_message(chat_id, to_html(chunk), parse_mode=ParseMode.HTML, reply_markup=markup)
            if markup is not None:
                self._remember(chat_id, sent.message_id, buttons)

    def _remember(self, chat_id: int, message_id: int, buttons: list[dict]) -> None:
        self._keyboards[(chat_id, message_id)] = buttons
        while len(self._keyboards) > self._max_keyboards:
            self._keyboards.popitem(last=False)


async def serve(
    token: str,
    rasa_url: str,
    bridge_token: str,
    staff: StaffStore,
    *,
    base_url: str | None = None,
    webhook_url: str | None = None,
    listen: tuple[str, int] = ("127.0.0.1", 8443),
) -> None:
    """Run until SIGINT or SIGTERM: long polling, or a webhook server that checks Telegram's secret."""
    rasa = RasaClient(rasa_url, bridge_token)
    bridge = TelegramBridge(rasa, staff)
    app = bridge.build(token, base_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = None
    async with app:
        await app.start()
        if webhook_url:
            secret = secrets.token_urlsafe(32)
            runner = await _start_webhook_server(app, secret, listen)
            await app.bot.set_webhook(webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
            logger.info("Telegram bridge receiving webhooks on %s:%s", *listen)
        else:
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            logger.info("Telegram bridge polling for updates")
        print("Telegram bridge running. Ctrl-C stops it.", flush=True)
        await stop.wait()
        if app.updater.running:
            await app.updater.stop()
        if runner is not None:
            await runner.cleanup()
        await app.stop()
    await rasa.close()


async def _start_webhook_server(app: Application, secret: str, listen: tuple[str, int]):
    from aiohttp import web

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given, secret):
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), app.bot)
        except ValueError:
            return web.Response(status=400, text="bad update")
        await app.update_queue.put(update)
        return web.Response(text="ok")

    web_app = web.Application(client_max_size=1 << 20)
    web_app.router.add_post("/telegram", receive)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, listen[0], listen[1]).start()
    return runner
