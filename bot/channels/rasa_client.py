"""Send a staff member's message to Rasa through the bridge channel and get the replies."""

from __future__ import annotations

import logging

import httpx

from bot.security.transport import check_http_url

logger = logging.getLogger("prr.bridge")


class AssistantUnavailable(RuntimeError):
    """Rasa (or the action server behind it) did not answer in time."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float = 8.0):
        check_http_url(base_url, "Rasa server")  # message text and the bridge token cross this link
        # Under 10 s in all: staff hear that the assistant is unavailable before they give up.
        self._url = base_url.rstrip("/") + "/webhooks/bridge/webhook"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout))

    async def send(self, sender_id: str, text: str, channel: str) -> list[dict]:
        try:
            reply = await self._client.post(
                self._url, headers=self._headers, json={"sender": sender_id, "message": text, "input_channel": channel}
            )
        except httpx.HTTPError as error:
            logger.warning("Rasa unreachable: %s", type(error).__name__)
            raise AssistantUnavailable from error
        if reply.status_code != 200:
            logger.warning("Rasa answered HTTP %s", reply.status_code)
            raise AssistantUnavailable
        messages = reply.json()
        if not messages:  # Rasa answers nothing when an action failed (e.g. the action server is down)
            raise AssistantUnavailable
        return messages

    async def close(self) -> None:
        await self._client.aclose()
