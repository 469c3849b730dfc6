"""The speed fixes inside the Rasa server answer exactly as Rasa's own code does."""

from __future__ import annotations

import pytest
import yaml
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events
from rasa.shared.utils.common import all_subclasses

from bot.rasa_endpoints import rasa_endpoints
from bot.rasa_plugins import hot_paths

GOOD_REPLIES = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "full_name", "value": "A B", "timestamp": None}],
        "responses": [{"text": "Date of birth?", "buttons": [{"title": "skip", "payload": "skip"}]}],
    },
]
BAD_REPLIES = [
    {"events": "not a list"},
    {"events": [{"event": 3}]},
    {"events": [], "responses": ["text without a dict"]},
    [],
]


def test_the_fixes_are_installed_when_rasa_loads_our_plugins():
    assert RemoteAction._validate_action_result is hot_paths.validate_action_result
    assert events.Event.resolve_by_type is hot_paths.resolve_event_class


@pytest.mark.parametrize("reply", GOOD_REPLIES)
def test_a_valid_action_server_reply_is_accepted(reply):
    action = RemoteAction("action_answer_knowledge", None)
    assert hot_paths._validate_with_rasa(action, reply) is True
    assert action._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", BAD_REPLIES)
def test_an_invalid_reply_is_refused_with_rasas_own_message(reply):
    action = RemoteAction("action_answer_knowledge", None)
    with pytest.raises(ValidationError) as by_rasa:
        hot_paths._validate_with_rasa(action, reply)
    with pytest.raises(ValidationError) as by_us:
        action._validate_action_result(reply)
    assert str(by_us.value.message) == str(by_rasa.value.message)
    assert "Failed to validate Action server response" in by_us.value.message


def test_every_event_name_resolves_to_the_class_rasa_finds():
    names = {cls.type_name for cls in all_subclasses(events.Event)}
    assert {"user", "bot", "slot", "action", "session_started", "active_loop"} <= names
    for _ in range(2):  # the second round comes from the remembered answers
        for name in names:
            assert events.Event.resolve_by_type(name) is hot_paths._resolve_with_rasa(name)


def test_unknown_event_names_keep_rasas_answers():
    assert events.Event.resolve_by_type("topic") is None
    assert events.Event.resolve_by_type("no-such-event", default=events.UserUttered) is events.UserUttered
    with pytest.raises(ValueError, match="Unknown event name"):
        events.Event.resolve_by_type("no-such-event")
    stored = {"event": "slot", "name": "sex", "value": "female", "timestamp": 1.0}
    assert events.deserialise_events([stored]) == [events.SlotSet("sex", "female", 1.0)]


def test_endpoints_spare_the_action_server_the_domain_and_can_add_a_lock_store():
    made = rasa_endpoints(
        "postgresql://prr@db.example:5432/prr?sslmode=verify-full",
        "http://127.0.0.1:5055/webhook",
        "redis://127.0.0.1:6379/5",
        "node",
        actions_token="t" * 40,
    )
    assert made["action_endpoint"] == {
        "url": "http://127.0.0.1:5055/webhook",
        "enable_selective_domain": True,
        "headers": {"Authorization": "Bearer " + "t" * 40},
    }
    assert made["tracker_store"]["url"] == "db.example" and "host" not in made["tracker_store"]
    assert made["lock_store"] == {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": 5, "key_prefix": "node"}
    assert yaml.safe_load(yaml.safe_dump(made)) == made
    with pytest.raises(ValueError, match="redis://"):
        rasa_endpoints("sqlite:///x.db", "http://127.0.0.1:5055/webhook", "127.0.0.1:6379")
