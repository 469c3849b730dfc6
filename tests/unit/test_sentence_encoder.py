"""The sentence encoder of the abstain rule: what it finds close, and when the rule asks it."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.knowledge import sentences
from bot.knowledge.ranking import ASKED_MARGIN, MIN_ASKED, Ranked, is_reliable, needs_asked, prefer_asked
from bot.knowledge.sentences import AskedIndex, SentenceEncoder, sentence_encoder
from bot.knowledge.shared import loaded_once

ASKED = {
    "women": [
        "Prosecuting women who returned from ISIL territory",
        "can wives of foreign fighters be charged",
        "should women returnees be prosecuted or treated as victims",
    ],
    "visits": [
        "Family visits in prison",
        "how often can relatives visit an extremist prisoner",
        "what may a family bring to a colony visit",
    ],
}


@pytest.fixture(scope="module")
def asked():
    return AskedIndex(ASKED)


@pytest.mark.parametrize(
    "question, section",
    [
        ("is it possible to put a returnee's spouse on trial", "women"),
        ("his mother wants to come and see him in the colony", "visits"),
    ],
)
def test_a_question_in_other_words_is_close_to_what_its_section_is_asked(asked, question, section):
    other = next(s for s in ASKED if s != section)
    near, far = asked.closeness(question, [section, other])
    assert near >= MIN_ASKED > far


@pytest.mark.parametrize(
    "question", ["domestic violence restraining order kazakhstan", "parcel weight limit ordinary colony kazakhstan"]
)
def test_a_near_topic_question_is_not_close_to_what_a_section_is_asked(asked, question):
    assert max(asked.closeness(question, list(ASKED))) < MIN_ASKED


def test_a_question_is_judged_the_same_alone_or_beside_longer_ones():
    question = "can a returnee's wife be tried"
    together = sentence_encoder().embed([question, "a much longer text that pads the batch " * 5])
    alone = sentence_encoder().embed([question])
    assert abs(together[0] - alone[0]).max() < 1e-5


def test_weights_other_than_the_published_ones_are_refused(tmp_path):
    source = sentences._model_directory()
    shutil.copy(source / "tokenizer.json", tmp_path / "tokenizer.json")
    weights = bytearray((source / "model.safetensors").read_bytes())
    weights[-1] ^= 1  # one bit of one weight changed
    (tmp_path / "model.safetensors").write_bytes(bytes(weights))
    with pytest.raises(RuntimeError, match="not all-MiniLM-L6-v2 as published"):
        SentenceEncoder(tmp_path)


def shares(coverage: float, section_id: str = "a") -> Ranked:
    return Ranked(section_id, 20.0, coverage=coverage, matched=4, about=2, fused=20.0)


def test_an_answer_sharing_little_of_the_question_must_be_what_its_section_is_asked():
    assert needs_asked([shares(0.3)], lambda r: True)
    assert not is_reliable(shares(0.3), 9, wording=0.3, asked=MIN_ASKED - 0.01)
    assert is_reliable(shares(0.3), 9, wording=0.3, asked=MIN_ASKED)


def test_an_answer_sharing_most_of_the_question_is_not_checked():
    assert not needs_asked([shares(0.7)], lambda r: True)
    assert is_reliable(shares(0.7), 5, asked=0.0)


def test_the_encoder_is_not_run_when_neither_of_the_best_two_could_be_given():
    assert not needs_asked([shares(0.3, "a"), shares(0.2, "b")], lambda r: False)
    assert needs_asked([shares(0.3, "a"), shares(0.2, "b")], lambda r: r.id == "b")


def test_the_runner_up_goes_first_when_the_question_is_clearly_closer_to_what_it_is_asked():
    first, second, third = shares(0.3, "a"), shares(0.3, "b"), shares(0.2, "c")
    order, asked = prefer_asked([first, second, third], [0.40, 0.40 + ASKED_MARGIN])
    assert [r.id for r in order] == ["b", "a", "c"] and asked == 0.40 + ASKED_MARGIN
    order, asked = prefer_asked([first, second, third], [0.40, 0.40 + ASKED_MARGIN / 2])
    assert [r.id for r in order] == ["a", "b", "c"] and asked == 0.40


def test_the_encoder_is_loaded_once_whichever_threads_ask_first():
    loads = []

    def load() -> object:
        loads.append(1)
        time.sleep(0.05)  # as reading 91 MB of weights takes a while
        return object()

    shared = loaded_once(load)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: shared(), range(8)))
    assert len(loads) == 1 and all(g is got[0] for g in got)
