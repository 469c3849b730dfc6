"""Rasa input channel for our own bridges (Telegram, web).

It is Rasa's REST channel behind a bearer token: a bridge has already checked who the staff
member is and sends their id as the sender, so nobody else may post here. Each bridge has its
own token (bot.security.tokens.channel_token), which tells which channel a message came through. This module runs
inside the Rasa server (credentials.yml names it); nothing in `bot` imports it.
"""

from __future__ import annotations

import hmac

from rasa.core.channels.rest import RestInput
from sanic import response

from bot.security.tokens import BRIDGE_CHANNELS, bridge_token, channel_token

# The channel a message came through is the one whose token it carries (the JSON's claim is
# ignored); the bridge token itself is still accepted, as the channel "bridge".
UNNAMED = "bridge"


class BridgeInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "bridge"

    def blueprint(self, on_new_message):
        blueprint = super().blueprint(on_new_message)
        master = bridge_token()
        self._channel_by_header = {f"Bearer {channel_token(c, master)}": c for c in BRIDGE_CHANNELS}
        self._channel_by_header[f"Bearer {master}"] = UNNAMED

        @blueprint.middleware("request")
        async def require_token(request):
            if request.method == "POST" and self._channel_of(request) is None:
                return response.json({"error": "a valid bridge token is required"}, status=401)

        return blueprint

    def _channel_of(self, request) -> str | None:
        given = request.headers.get("Authorization", "")
        # compare_digest against every token: the time taken says nothing about which one is near.
        found = [c for header, c in self._channel_by_header.items() if hmac.compare_digest(given, header)]
        return found[0] if found else None

    def _extract_input_channel(self, request) -> str:
        return self._channel_of(request) or UNNAMED
