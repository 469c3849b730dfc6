"""The intent classifier component: trained, saved and loaded as Rasa does, and a model file
carrying anything but the pipeline's own types is refused before it is read."""

from __future__ import annotations

import os

import pytest
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from bot.rasa_plugins.linear_intents import MODEL_FILE, LinearIntentClassifier

EXAMPLES = {
    "greet": ["hello", "hi there", "good morning", "hey", "salem", "good evening", "hello again"],
    "list_cases": ["list my cases", "show my cases", "which cases do I have", "my open cases", "all my files"],
    "start_intake": ["start an intake", "new intake", "register a returnee", "open a new case", "begin the form"],
}


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "model").mkdir()
    return LocalModelStorage(tmp_path / "model")


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def test_a_saved_classifier_loads_and_names_the_intent_with_a_ranking(storage):
    resource = Resource("intents")
    data = TrainingData([Message(data={TEXT: t, INTENT: i}) for i, texts in EXAMPLES.items() for t in texts])
    LinearIntentClassifier.create({}, storage, resource, context()).train(data)

    loaded = LinearIntentClassifier.load({}, storage, resource, context())
    [message] = loaded.process([Message(data={TEXT: "please list the cases I have"})])

    assert message.get(INTENT)["name"] == "list_cases"
    ranking = message.get(INTENT_RANKING_KEY)
    assert [r["name"] for r in ranking][0] == "list_cases" and len(ranking) == len(EXAMPLES)
    assert ranking == sorted(ranking, key=lambda r: -r["confidence"])
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6


def test_a_model_file_that_would_call_a_function_is_refused_unloaded(storage, tmp_path):
    resource = Resource("planted")
    planted = make_pipeline(FunctionTransformer(os.system))  # what a tampered model could carry
    with storage.write_to(resource) as directory:
        sio.dump(planted, directory / MODEL_FILE)

    with pytest.raises(ValueError, match="does not trust"):
        LinearIntentClassifier.load({}, storage, resource, context())
