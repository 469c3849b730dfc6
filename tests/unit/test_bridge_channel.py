"""Rasa's bridge channel names the channel a message came through by the token it carries."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.rasa_plugins.bridge_input import BridgeInput
from bot.security.tokens import channel_token

MASTER = "a-test-bridge-token-of-40-characters-xx"


@pytest.fixture
def bridge(monkeypatch):
    monkeypatch.setenv("PRR_BRIDGE_TOKEN", MASTER)
    channel = BridgeInput()
    channel.blueprint(lambda message: None)
    return channel


def posted(token: str, claimed: str) -> SimpleNamespace:
    return SimpleNamespace(headers={"Authorization": f"Bearer {token}"}, json={"input_channel": claimed})


def test_the_channel_is_the_one_whose_token_was_given_whatever_the_message_claims(bridge):
    for channel in ("web", "telegram", "shell"):
        request = posted(channel_token(channel, MASTER), claimed="telegram" if channel != "telegram" else "web")
        assert bridge._extract_input_channel(request) == channel
    assert bridge._extract_input_channel(posted(MASTER, claimed="web")) == "bridge"


def test_a_wrong_or_foreign_token_names_no_channel(bridge):
    assert bridge._channel_of(posted("guess", claimed="web")) is None
    assert bridge._channel_of(posted(channel_token("web", "another deployment"), claimed="web")) is None
