"""`make eval`: answer quality on both halves of the development set, and on a probe.

Loads the corpus into a fresh SQLite database under var/eval/, asks every question of
tests/data/questions.yml and of the probe tests/data/probe_questions.yml, and prints top-1, top-3,
correct declines and out-of-scope questions answered with a source: first for knowledge search
alone (the targets), then for what the assistant answers when the trained intent classifier
routes each question first. `--misses` lists the tuning half's failures and the probe's
near-topic questions answered (never the held-back half's: looking at those would be tuning on
them).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from bot.knowledge.evaluation import HALVES, SHOULD_DECLINE, load_probe, load_questions, score
from bot.knowledge.store import KnowledgeBase, load_corpus
from bot.rasa_plugins.intent_router import load_intent_router
from bot.storage.db import session_factory
from bot.storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "eval"
QUESTIONS = ROOT / "tests" / "data" / "questions.yml"
PROBE = ROOT / "tests" / "data" / "probe_questions.yml"
MODEL = ROOT / "models" / "prr.tar.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--misses",
        action="store_true",
        help="list the tuning half's failures and the probe's near-topic questions answered",
    )
    parser.add_argument(
        "--model", type=Path, default=MODEL, help="trained Rasa model for the second table (default: %(default)s)"
    )
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    url = f"sqlite:///{WORK / 'eval.db'}"
    upgrade(url)
    with session_factory(url).begin() as session:
        load_corpus(session, ROOT / "knowledge")
    kb = KnowledgeBase(session_factory(url))
    questions = load_questions(QUESTIONS)
    sets = {**{half: questions[half] for half in HALVES}, "probe": load_probe(PROBE)}
    results = {name: score(kb, items) for name, items in sets.items()}
    print("Knowledge search (what the targets are judged on):")
    _table(results)
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
    print(
        "probe: questions written from the corpus alone, each labelled with its section and any a second "
        "reading found to answer it too, and near-topic questions the corpus does not answer (a relative "
        "measure; it may be tuned on)"
    )
    routed = {}
    if args.model.exists():
        intent_of = load_intent_router(args.model)
        routed = {name: score(kb, items, intent_of) for name, items in sets.items()}
        print("\nAs the assistant answers (its intent classifier first; another intent's reply has no section):")
        _table(routed)
    else:
        print(f"\n(no trained model at {args.model}: `make train` adds what the assistant answers)")
    summary = {h: s.as_dict() for h, s in results.items()} | {
        f"{h}_as_answered": s.as_dict() for h, s in routed.items()
    }
    (WORK / "results.json").write_text(json.dumps(summary, indent=2))
    if args.misses:
        for name, scores in (("", results), (", as the assistant answers", routed)):
            if scores:
                print(f"\nTuning half, misses{name}:")
                for miss in scores["tune"].misses:
                    print(" ", miss)
        print("\nProbe, near-topic questions answered:")
        for miss in results["probe"].misses:
            if miss.startswith(SHOULD_DECLINE):
                print(" ", miss)


def _table(results: dict) -> None:
    print(f"{'set':<10} {'questions':>9} {'top-1':>7} {'top-3':>7} {'declines':>9} {'answered, should decline':>25}")
    for name, s in results.items():
        d = s.as_dict()
        declines = f"{d['declines_pct']:>8.1f}%" if s.must_decline else f"{'–':>9}"
        print(
            f"{name:<10} {s.answerable + s.must_decline:>9} {d['top1_pct']:>6.1f}% {d['top3_pct']:>6.1f}% "
            f"{declines} {s.wrongly_answered:>25}"
        )


if __name__ == "__main__":
    main()
