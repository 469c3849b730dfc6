"""What is measured: one long conversation, many at once, intakes mixed with questions, and search."""

from __future__ import annotations

import concurrent.futures as cf
import random
import statistics
import time

from scripts.bench.bots import ROOT


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def summary(ms):
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 1), "p95_ms": round(pct(ms, 0.95), 1)}


STOCK_TURNS = ["hello", "I am happy", "yes", "I am sad", "no", "bye", "are you a bot?", "great"]
OUR_TURNS = [
    "hello",
    "what is VERA-2R?",
    "what does resolution 2396 require?",
    "thanks",
    "are you a bot?",
    "can a 14-year-old returnee be prosecuted?",
    "what can you do?",
    "list my cases",
]
INTAKE = [
    "start an intake",
    "other",
    "Amina Bekova",
    "12.03.2015",
    "female",
    "Kazakhstan",
    "documents",
    "skip",
    "skip",
    "child",
    "unknown",
    "none",
    "none",
    "none",
    "Gulnara Bekova",
    "no",
    "skip",
    "none",
    "yes",
    "none",
    "cancel",
    "yes",
]


def warm_up(bot, turns):
    """First calls load models and caches; they are not what a conversation's length costs."""
    for text in turns:
        bot.say("warm-up", text)


def one_conversation(bot, turns, length=200):
    latencies = [bot.say("long", turns[i % len(turns)]) for i in range(length)]

    def at(n):  # the ten turns around turn n
        return summary(latencies[max(0, n - 5) : n + 5])

    windows = [summary(latencies[i : i + 10]) for i in range(0, length, 10)]  # every length, ten turns at a time
    return {
        "turn_1": summary(latencies[:10]),
        "turn_50": at(50),
        "turn_200": summary(latencies[-10:]),
        "slowest_10_turns": max(windows, key=lambda w: w["median_ms"]),
    }


def concurrent(bot, turns, conversations=20, per_conversation=10):
    def run(c):
        return [bot.say(f"c{c}", turns[(c + i) % len(turns)]) for i in range(per_conversation)]

    start = time.monotonic()
    with cf.ThreadPoolExecutor(conversations) as pool:
        latencies = [ms for result in pool.map(run, range(conversations)) for ms in result]
    elapsed = time.monotonic() - start
    return {**summary(latencies), "messages_per_s": round(len(latencies) / elapsed, 1)}


def mixed(bot, staff_ids, per_conversation=22):
    def run(i):
        sender = staff_ids[i % len(staff_ids)]
        script = INTAKE if i % 2 == 0 else OUR_TURNS * 3
        return [bot.say(sender, script[j % len(script)]) for j in range(per_conversation)]

    start = time.monotonic()
    with cf.ThreadPoolExecutor(len(staff_ids)) as pool:
        latencies = [ms for result in pool.map(run, range(len(staff_ids))) for ms in result]
    return {**summary(latencies), "messages_per_s": round(len(latencies) / (time.monotonic() - start), 1)}


def knowledge_search(db_url, sections=None):
    from bot.knowledge.corpus import Section, parse_corpus
    from bot.knowledge.store import KnowledgeBase, load_sections
    from bot.storage.db import session_factory
    from bot.storage.migrate import upgrade

    upgrade(db_url)
    corpus = parse_corpus(ROOT / "knowledge")
    if sections:
        rng = random.Random(7)
        words = " ".join(s.text for s in corpus).split()
        corpus = corpus + [
            Section(
                f"gen-{i}",
                " ".join(rng.choices(words, k=6)),
                "generated",
                ("generated",),
                "Generated",
                " ".join(rng.choices(words, k=80)),
                tuple(" ".join(rng.choices(words, k=8)) for _ in range(4)),
            )
            for i in range(sections - len(corpus))
        ]
    with session_factory(db_url).begin() as session:
        load_sections(session, corpus)
    kb = KnowledgeBase(session_factory(db_url))
    kb.search("warm up")
    latencies = []
    for _ in range(20):
        for q in OUR_TURNS + ["dispersal or separation for a recruiter?", "weather in Almaty"]:
            start = time.perf_counter()
            kb.search(q)
            latencies.append((time.perf_counter() - start) * 1000)
    return {**summary(latencies), "sections": len(corpus)}
