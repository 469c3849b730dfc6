"""Telegram bridge (python-telegram-bot 22): registered staff chat with the assistant.

Telegram -> this bridge (who is it? a registered, active staff member?) -> Rasa's bridge channel
with the staff member's id as sender -> actions -> services. Anyone else is refused here, and
nothing of theirs reaches Rasa.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from dataclasses import dataclass, field
from weakref import WeakValueDictionary

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InvalidCallbackData,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.rasa_client import AssistantUnavailable, RasaClient
from bot.channels.telegram_format import button_rows, split_message, to_html
from bot.language.catalogue import text as say
from bot.security.tokens import secret_matches
from bot.staff.store import StaffStore

logger = logging.getLogger("prr.telegram")

COMMANDS = {"start": "hello", "help": "help", "intake": "start an intake", "cancel": "cancel"}
KEYBOARDS_KEPT = 5000  # python-telegram-bot's callback-data cache, in memory only (payloads are answers)


@dataclass(eq=False)
class Keyboard:
    """The buttons of one sent message; pressing any of them uses the whole keyboard."""

    buttons: list[dict]
    pressed: bool = False


@dataclass(frozen=True, eq=False)
class Choice:
    """What a button carries, through python-telegram-bot's arbitrary callback data."""

    keyboard: Keyboard = field(repr=False)
    index: int


class InOrderPerChat(BaseUpdateProcessor):
    """Different chats are handled at the same time, so one slow Rasa turn no longer holds up
    every staff member; the updates of one chat keep their order."""

    def __init__(self, max_concurrent_updates: int = 64):
        super().__init__(max_concurrent_updates)
        self._turns: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        turn = self._turns.setdefault(chat.id, asyncio.Lock())
        async with turn:
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class TelegramBridge:
    def __init__(self, rasa: RasaClient, staff: StaffStore):
        self.rasa = rasa
        self.staff = staff

    def build(self, token: str, base_url: str | None = None) -> Application:
        # No persistence: the callback-data cache holds answers and stays in this process's memory.
        builder = (
            Application.builder()
            .token(token)
            .arbitrary_callback_data(KEYBOARDS_KEPT)
            .concurrent_updates(InOrderPerChat())
        )
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
        app.add_handler(CallbackQueryHandler(self.expired, pattern=InvalidCallbackData))
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_error_handler(self.on_error)
        return app

    async def gatekeeper(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or chat.type != ChatType.PRIVATE:
            # Anything said in a group reaches every member, staff or not: no case data there.
            await self._leave(update, context)
            raise ApplicationHandlerStop
        member = await asyncio.to_thread(self.staff.active_by_telegram_id, user.id) if user else None
        if member is not None:
            context.user_data["sender_id"] = member.sender_id
            return
        first = True
        if user is not None:
            name = " ".join(
                filter(None, [user.first_name, user.last_name, f"@{user.username}" if user.username else None])
            )
            first = await asyncio.to_thread(self.staff.record_refusal, "telegram", str(user.id), name)
            logger.info("refused an unregistered Telegram user")
        # One refusal a day per account: repeated messages add to its count, not to our replies.
        if update.callback_query:
            await update.callback_query.answer(say("channel.refusal") if first else None, show_alert=first)
        elif first:
            await context.bot.send_message(chat.id, say("channel.refusal"))
        raise ApplicationHandlerStop

    async def _leave(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if update.callback_query:
            await update.callback_query.answer(say("channel.private_only"), show_alert=True)
        if chat is None or chat.type == ChatType.PRIVATE:
            return
        logger.info("left a %s chat", chat.type)
        with contextlib.suppress(TelegramError):  # e.g. already removed from it
            if update.message:
                await context.bot.send_message(chat.id, say("channel.private_only"))
            await context.bot.leave_chat(chat.id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The type only: an exception's text may quote what staff typed.
        logger.error("handling an update failed: %s", type(context.error).__name__)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None and chat.type == ChatType.PRIVATE:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(chat.id, say("channel.unavailable"))

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

    async def expired(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer(say("channel.button_expired"), show_alert=True)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        choice = query.data
        with contextlib.suppress(KeyError):
            context.drop_callback_data(query)  # the keyboard's payloads leave the cache
        if not isinstance(choice, Choice) or choice.keyboard.pressed:
            await query.answer(say("channel.button_expired"), show_alert=True)
            return
        choice.keyboard.pressed = True  # set before any await: a second press finds it used
        chosen = choice.keyboard.buttons[choice.index]
        await query.answer()
        # Mark the choice in the message itself and drop the keyboard, so it cannot be pressed twice.
        await query.edit_message_text(
            f"{query.message.text_html}\n\n✓ <b>{to_html(chosen['title'])}</b>", parse_mode=ParseMode.HTML
        )
        await self.converse(query.message.chat.id, context, chosen["payload"])

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
                keyboard = Keyboard(buttons)
                markup = InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(title, callback_data=Choice(keyboard, index)) for title, index in row]
                        for row in button_rows(buttons)
                    ]
                )
            await bot.send_message(chat_id, to_html(chunk), parse_mode=ParseMode.HTML, reply_markup=markup)


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
        if not secret_matches(request.headers.get("X-Telegram-Bot-Api-Secret-Token"), secret):
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), app.bot)
        except ValueError:
            return web.Response(status=400, text="bad update")
        app.bot.insert_callback_data(update)  # button data back from the cache, as polling does
        await app.update_queue.put(update)
        return web.Response(text="ok")

    web_app = web.Application(client_max_size=1 << 20)
    web_app.router.add_post("/telegram", receive)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, listen[0], listen[1]).start()
    return runner
