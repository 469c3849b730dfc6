"""`make bench`: speed figures, kept out of the test suite.

So far it measures knowledge search on the real corpus. The per-turn, throughput and memory
comparison with the stock Rasa bot is the subject of the "Speed and scale" issue.
"""
from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

from bot.services import knowledge_base

QUESTIONS = [
    "what must be screened when a family returns?", "can a 14-year-old returnee be prosecuted?",
    "what does resolution 2396 require?", "Dispersal or separation for a recruiter?", "What is VERA-2R?",
    "What support exists after release?", "how long can solitary confinement last", "weather in Almaty",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    kb = knowledge_base()
    kb.search("warm up")  # loads spaCy and builds the index once
    timings = []
    for _ in range(25):
        for question in QUESTIONS:
            start = time.perf_counter()
            kb.search(question)
            timings.append((time.perf_counter() - start) * 1000)
    result = {
        "machine": f"{platform.node()} {platform.machine()}, {__import__('os').cpu_count()} cores",
        "knowledge_search_ms": {"n": len(timings), "median": round(statistics.median(timings), 2),
                                "p95": round(percentile(timings, 0.95), 2)},
    }
    print(f"{'measure':32} {'n':>5} {'median ms':>10} {'p95 ms':>8}")
    k = result["knowledge_search_ms"]
    print(f"{'knowledge search (real corpus)':32} {k['n']:>5} {k['median']:>10} {k['p95']:>8}")
    out = Path("var/bench.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
