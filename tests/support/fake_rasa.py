"""A stand-in for RasaClient, so the channels' own behaviour is tested without starting Rasa."""

from __future__ import annotations

import asyncio

from bot.channels.rasa_client import AssistantUnavailable


class FakeRasa:
    """Records what each channel sends; answers with `replies`, or raises `failure` if set."""

    def __init__(self, replies: list[dict] | None = None):
        self.replies = replies if replies is not None else [{"text": "Hello from the assistant."}]
        self.failure: BaseException | None = None
        self.delay = 0.0
        self.delays: dict[str, float] = {}  # per sender id or message text, to make one turn slow
        self.echo = False  # answer "You said: <text>" instead of `replies`
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, sender_id: str, text: str, channel: str) -> list[dict]:
        self.sent.append((sender_id, text, channel))
        delay = self.delays.get(text, self.delays.get(sender_id, self.delay))
        if delay:
            await asyncio.sleep(delay)
        if self.failure is not None:
            raise self.failure
        return [{"text": f"You said: {text}"}] if self.echo else list(self.replies)

    def unavailable(self) -> None:
        self.failure = AssistantUnavailable()

    async def close(self) -> None:
        pass
