"""An NLU component that turns text no intent should be guessed for into `nlu_fallback`.

Placed last in config.yml's pipeline. The classifier always names an intent, and for Russian or
Uzbek, an SQL fragment, an emoji or random letters its guess is arbitrary ("No intake is
running", "You have no cases yet"). The rules are in bot/language/guard.py; this component only
applies them, with the words of the training data as the vocabulary that is never taken for
random letters.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.guard import unreadable
from bot.rasa_plugins import hot_paths  # noqa: F401  (importing it installs Rasa's per-turn fixes)

VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class InputGuard(GraphComponent):
    def __init__(self, model_storage: ModelStorage, resource: Resource, vocabulary: frozenset[str]):
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InputGuard:
        return cls(model_storage, resource, frozenset())

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> InputGuard:
        with model_storage.read_from(resource) as directory:
            words = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, frozenset(words))

    def train(self, training_data: TrainingData) -> Resource:
        words = sorted(
            {w for m in training_data.intent_examples for w in re.findall(r"[a-z]+", m.get(TEXT, "").lower())}
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(words), encoding="utf-8")
        self.vocabulary = frozenset(words)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if unreadable(message.get(TEXT) or "", self.vocabulary) is None:
                continue
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
            message.data[INTENT] = fallback
            message.data.setdefault(INTENT_RANKING_KEY, [])
            message.data[INTENT_RANKING_KEY].insert(0, dict(fallback))
        return messages
