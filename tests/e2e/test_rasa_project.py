"""The Rasa project as Rasa sees it: data validation and the test stories, on the trained model."""

from __future__ import annotations

import os
import re
import subprocess

from bot.config import QUIET_ENVIRONMENT
from bot.intake import flow
from tests.support.paths import ROOT

RASA = str(ROOT / ".venv" / "bin" / "rasa")
MODEL = ROOT / "models" / "prr.tar.gz"

# Warnings `rasa data validate` prints that are expected, each with the reason.
EXPLAINED = {
    # The form asks its questions through utter_ask_<slot>; Rasa 3.6's validator does not
    # count that as a use. Questions are checked in tests/test_domain.py instead.
    **{
        f"The utterance 'utter_ask_{step}' is not used in any story or rule.": "asked by intake_form"
        for step in flow.STEPS + (flow.CANCEL_CONFIRM,)
    },
    # Sent by action_not_understood (actions/fallback.py) when no intent fits.
    "The utterance 'utter_not_understood' is not used in any story or rule.": "sent by action_not_understood",
    "The utterance 'utter_not_understood_language' is not used in any story or rule.": "sent by action_not_understood",
}


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **QUIET_ENVIRONMENT,
    }
    return subprocess.run([RASA, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def test_rasa_data_validate_passes_with_no_unexplained_warning():
    result = _run("data", "validate", "--domain", "domain", "--data", "data")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    warnings = [w.strip() for w in re.findall(r"UserWarning: (.+)", output)]
    assert [w for w in warnings if w not in EXPLAINED] == []


def test_test_stories_pass_with_no_prediction_error(tmp_path):
    assert MODEL.exists(), "run `make train` first (make test does)"
    result = _run(
        "test",
        "core",
        "--e2e",
        "--stories",
        "tests/stories",
        "-m",
        str(MODEL),
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    evaluated = re.search(r"Evaluating (\d+) stories", output)
    assert evaluated and int(evaluated.group(1)) >= 9, "the test stories were not found"
    assert (
        "Correct:" in output and "None of the test stories failed" in (tmp_path / "failed_test_stories.yml").read_text()
    )
