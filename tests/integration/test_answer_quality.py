"""Answer quality floors: `make eval`'s figures on the development set may not fall.

The floors sit a few points under the figures measured when search was last tuned (README,
"Figures"), so that a change to the corpus, the thesaurus or the ranking that makes
answers worse fails CI. Search is tuned on the `tune` half only; `held_back` is never looked at
question by question.
"""

from __future__ import annotations

import hashlib

import pytest

from bot.knowledge.corpus import parse_corpus
from bot.knowledge.evaluation import HALVES, load_questions, score
from bot.knowledge.store import KnowledgeBase, load_corpus
from tests.support.paths import ROOT

QUESTIONS = load_questions(ROOT / "tests" / "data" / "questions.yml")
# half: (top-1 %, top-3 %, declines %, most out-of-scope questions answered with a source)
# Measured 2026-11-29 (make eval) after the second batch of 199 questions: tune 92.7 / 98.4 / 90.6 / 5,
# held_back 87.7 / 95.8 / 98.1 / 1.
FLOORS = {"tune": (90.0, 96.0, 87.0, 6), "held_back": (85.0, 93.0, 95.0, 2)}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    from bot.storage.db import session_factory
    from bot.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('quality') / 'kb.db'}"
    upgrade(url)
    with session_factory(url).begin() as session:
        load_corpus(session, ROOT / "knowledge")
    return KnowledgeBase(session_factory(url))


def test_the_development_set_is_big_enough_split_in_two_and_names_real_sections():
    ids = {s.id for s in parse_corpus(ROOT / "knowledge")}
    every = [q for half in HALVES for q in QUESTIONS[half]]
    assert sum(1 for q in every if q.get("ids")) >= 300 and sum(1 for q in every if q.get("decline")) >= 60
    assert not {q["q"] for q in QUESTIONS["tune"]} & {q["q"] for q in QUESTIONS["held_back"]}
    assert {i for q in every for i in q.get("ids", [])} <= ids


def test_each_question_sits_in_the_half_its_hash_gives():
    """The split is by SHA-256 of the question (even: tune), so no question can be moved to the
    tuning half after its result was seen."""
    for half in HALVES:
        for q in QUESTIONS[half]:
            even = int(hashlib.sha256(q["q"].encode("utf-8")).hexdigest(), 16) % 2 == 0
            assert ("tune" if even else "held_back") == half, q["q"]


@pytest.mark.parametrize("half", HALVES)
def test_answer_quality_stays_above_its_floors(kb, half):
    figures = score(kb, QUESTIONS[half]).as_dict()
    top1, top3, declines, wrongly_answered = FLOORS[half]
    assert figures["top1_pct"] >= top1, figures
    assert figures["top3_pct"] >= top3, figures
    assert figures["declines_pct"] >= declines, figures
    assert figures["answered_when_should_decline"] <= wrongly_answered, figures
