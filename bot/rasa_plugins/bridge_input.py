"""Rasa input channel for our own bridges (Telegram, web).

It is Rasa's REST channel behind a bearer token: a bridge has already checked who the staff
member is and sends their id as the sender, so nobody else may post here. Each bridge has its
own token (bot.security.tokens.channel_token), which tells which channel a message came through. This module runs
inside the Rasa server (credentials.yml names it); nothing in `bot` imports it.

Its receive route is our own, not the REST channel's: that one writes the message text to the
log whenever a turn fails or is cancelled (a bridge that gave up waiting closes the connection,
and Sanic cancels the turn). Ours logs what happened and the exception's type, never the text.
"""

from __future__ import annotations

import asyncio
import logging

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response

from bot.rasa_plugins import hot_paths  # noqa: F401  (importing it installs Rasa's per-turn fixes)
from bot.security.tokens import BRIDGE_CHANNELS, bridge_token, channel_token, secret_matches

logger = logging.getLogger("prr.bridge")
# The channel a message came through is the one whose token it carries (the JSON's claim is
# ignored); the bridge token itself is still accepted, as the channel "bridge".
UNNAMED = "bridge"


class BridgeInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "bridge"

    def blueprint(self, on_new_message):
        blueprint = Blueprint("prr_bridge", __name__)
        master = bridge_token()  # read at start-up: a missing or short token stops Rasa here
        self._channel_by_header = {f"Bearer {channel_token(c, master)}": c for c in BRIDGE_CHANNELS}
        self._channel_by_header[f"Bearer {master}"] = UNNAMED

        @blueprint.middleware("request")
        async def require_token(request):
            if request.method == "POST" and self._channel_of(request) is None:
                return response.json({"error": "a valid bridge token is required"}, status=401)

        @blueprint.route("/", methods=["GET"])
        async def health(_request):
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request):
            collector = CollectingOutputChannel()
            message = UserMessage(
                self._extract_message(request),
                collector,
                await self._extract_sender(request),
                input_channel=self._extract_input_channel(request),
                metadata=self.get_metadata(request),
            )
            try:
                await on_new_message(message)
            except asyncio.CancelledError:
                logger.error("A turn was cancelled (the bridge stopped waiting); sender %s.", message.sender_id)
            except Exception as error:  # noqa: BLE001  the reply so far is still sent
                logger.error("A turn failed: %s; sender %s.", type(error).__name__, message.sender_id)
            return response.json(collector.messages)

        return blueprint

    def _channel_of(self, request) -> str | None:
        given = request.headers.get("Authorization", "")
        # Compared with every token, in constant time: the time taken says nothing about which is near.
        found = [c for header, c in self._channel_by_header.items() if secret_matches(given, header)]
        return found[0] if found else None

    def _extract_input_channel(self, request) -> str:
        return self._channel_of(request) or UNNAMED
