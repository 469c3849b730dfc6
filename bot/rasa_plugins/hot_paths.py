"""Two fixes of Rasa 3.6 code that runs several times in every turn, found by profiling.

A py-spy profile of our Rasa server over a 200-turn conversation and over 20 concurrent ones
(`make bench` workloads) showed:

- Every action server reply is checked with `jsonschema.validate`, which first re-checks the
  constant response schema against the JSON Schema 2020-12 meta-schema. With jsonschema 4.17
  (pinned by Rasa) that took a third of the server's time. Here the schema is checked once and
  the validator reused; a reply is accepted or refused exactly as before.
- Turning a stored event back into an object (`Event.resolve_by_type`) walks the whole class
  tree of events, for each event of a session loaded on each turn: about 8 % of the server's
  time. Here each event name is looked up once and remembered; the answer is the same class,
  since the classes do not change while the server runs.

Behaviour is unchanged; tests/test_rasa_hot_paths.py checks both against Rasa's originals.
Importing this module installs both (the plugins Rasa loads import it).
"""

from __future__ import annotations

from functools import lru_cache

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

_validate_with_rasa = RemoteAction._validate_action_result
_resolve_with_rasa = Event.resolve_by_type


@lru_cache(maxsize=1)
def response_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self, result) -> bool:
    if exceptions.best_match(response_validator().iter_errors(result)) is None:
        return True
    return _validate_with_rasa(self, result)  # Rasa's own path raises with its own message


_event_classes: dict = {}


def resolve_event_class(type_name, default=None):
    found = _event_classes.get(type_name)
    if found is None:
        found = _resolve_with_rasa(type_name, default)  # unknown names: Rasa's default, None or ValueError
        if found is not None and found is not default:
            _event_classes[type_name] = found
    return found


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_event_class)


install()
