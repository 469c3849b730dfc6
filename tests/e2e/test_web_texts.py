"""The web page's texts come from the message catalogue: filled into the page, and handed to
app.js as JSON (in process, with aiohttp's test server; no Rasa, no browser)."""

from __future__ import annotations

import asyncio
import json
import re

from aiohttp.test_utils import TestClient, TestServer

from bot.channels.web.app import WebChat
from bot.language.catalogue import text


async def _get_page() -> tuple[int, str, dict]:
    async with TestClient(TestServer(WebChat(rasa=None, staff=None).app())) as client:
        response = await client.get("/")
        return response.status, await response.text(), dict(response.headers)


def test_the_page_shows_the_catalogue_texts_and_gives_them_to_the_script():
    status, page, headers = asyncio.run(_get_page())
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "{{" not in page
    assert f"<h2>{text('web.login_heading')}</h2>" in page
    assert f'placeholder="{text("web.placeholder")}"' in page
    data = re.search(r'<script id="texts" type="application/json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data)["web.unreachable"] == text("web.unreachable")
    assert "default-src 'self'" in headers["Content-Security-Policy"]  # the JSON block is data, never run
