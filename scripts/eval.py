"""`make eval`: answer quality of knowledge search on both halves of the development set.

Loads the corpus into a fresh SQLite database under var/eval/, asks every question of
tests/data/questions.yml and prints top-1, top-3, correct declines and out-of-scope questions
answered with a source. `--misses` lists the tuning half's failures (never the held-back half's:
looking at those would be tuning on them).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from bot.knowledge.evaluation import HALVES, load_questions, score
from bot.knowledge.store import KnowledgeBase, load_corpus
from bot.storage.db import session_factory
from bot.storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "eval"
QUESTIONS = ROOT / "tests" / "data" / "questions.yml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the tuning half's failures")
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    url = f"sqlite:///{WORK / 'eval.db'}"
    upgrade(url)
    with session_factory(url).begin() as session:
        load_corpus(session, ROOT / "knowledge")
    kb = KnowledgeBase(session_factory(url))
    questions = load_questions(QUESTIONS)
    results = {half: score(kb, questions[half]) for half in HALVES}
    print(f"{'half':<10} {'questions':>9} {'top-1':>7} {'top-3':>7} {'declines':>9} {'answered, should decline':>25}")
    for half, s in results.items():
        d = s.as_dict()
        print(
            f"{half:<10} {s.answerable + s.must_decline:>9} {d['top1_pct']:>6.1f}% {d['top3_pct']:>6.1f}% "
            f"{d['declines_pct']:>8.1f}% {s.wrongly_answered:>25}"
        )
    targets = results["held_back"].as_dict()
    met = (
        targets["top1_pct"] >= 90
        and targets["top3_pct"] >= 97
        and targets["declines_pct"] >= 95
        and targets["answered_when_should_decline"] == 0
    )
    print(
        f"targets on the held-back half (top-1 ≥ 90 %, top-3 ≥ 97 %, declines ≥ 95 %, none answered): "
        f"{'met' if met else 'NOT met'}"
    )
    (WORK / "results.json").write_text(json.dumps({h: s.as_dict() for h, s in results.items()}, indent=2))
    if args.misses:
        print("\nTuning half, misses:")
        for miss in results["tune"].misses:
            print(" ", miss)


if __name__ == "__main__":
    main()
