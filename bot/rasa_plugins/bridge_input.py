"""Rasa input channel for our own bridges (Telegram, web).

It is Rasa's REST channel behind a bearer token: a bridge has already checked who the staff
member is and sends their id as the sender, so nobody else may post here. This module runs
inside the Rasa server (credentials.yml names it); nothing in `bot` imports it.
"""

from __future__ import annotations

import hmac

from rasa.core.channels.rest import RestInput
from sanic import response

from bot.security.tokens import bridge_token

CHANNELS = ("telegram", "web", "shell")


class BridgeInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "bridge"

    def blueprint(self, on_new_message):
        blueprint = super().blueprint(on_new_message)
        expected = f"Bearer {bridge_token()}"

        @blueprint.middleware("request")
        async def require_token(request):
            if request.method == "POST" and not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
                return response.json({"error": "a valid bridge token is required"}, status=401)

        return blueprint

    def _extract_input_channel(self, request) -> str:
        channel = (request.json or {}).get("input_channel")
        return channel if channel in CHANNELS else self.name()
