"""Intent quality floor: the classifier of config.yml, cross-validated on data/nlu in-process.

`make eval-nlu` gives the figures of the whole Rasa pipeline (README, "Intents (NLU)"); this test
runs the same classifier (build_pipeline, with config.yml's settings) through 5-fold stratified
cross-validation in a few seconds, so that NLU data or a setting that makes intents worse fails CI.
"""

from __future__ import annotations

import numpy as np
import yaml
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from bot.rasa_plugins.linear_intents import LinearIntentClassifier, build_pipeline
from tests.support.paths import ROOT

# Measured 2026-11-29 on 2,827 examples: macro F1 0.914 with `make eval-nlu` (Rasa's folds); 0.922 here on 2,831.
MACRO_F1_FLOOR = 0.88


def test_cross_validated_macro_f1_stays_above_its_floor():
    examples = [m for m in load_data(str(ROOT / "data" / "nlu")).intent_examples if m.get("text")]
    texts = [m.get("text") for m in examples]
    labels = np.asarray([m.get("intent") for m in examples])
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    settings = {
        **LinearIntentClassifier.get_default_config(),
        **next(c for c in pipeline if c["name"].endswith("LinearIntentClassifier")),
    }
    model = build_pipeline(settings["C"], settings["calibration_folds"], settings["random_seed"])
    predicted = cross_val_predict(model, texts, labels, cv=StratifiedKFold(5, shuffle=True, random_state=0))
    assert f1_score(labels, predicted, average="macro") >= MACRO_F1_FLOOR
