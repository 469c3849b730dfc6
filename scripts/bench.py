"""`make bench`: our assistant beside the stock `rasa init` bot, measured in one run.

Kept out of the test suite. Prints a table and writes var/bench/results.json. Everything runs
on 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import time
from pathlib import Path

import requests
import yaml

from bot.config import QUIET_ENVIRONMENT
from bot.rasa_endpoints import rasa_endpoints  # the endpoints `make run` uses
from tests.support.servers import ACTIONS_TOKEN, actions_command, free_port, wait_until_up  # the tests' start-up checks

ROOT = Path(__file__).resolve().parent.parent  # run as `python -m scripts.bench` from here (make bench)

BIN = ROOT / ".venv" / "bin"
WORK = ROOT / "var" / "bench"
TOKEN = "bench-bridge-token-not-secret-0123456789"
API_TOKEN = "bench-api-token-not-secret-0123456789"


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def summary(ms):
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 1), "p95_ms": round(pct(ms, 0.95), 1)}


def env(**extra):
    return {
        **os.environ,
        **QUIET_ENVIRONMENT,
        **extra,
    }


def timed(cmd, **kwargs) -> float:
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.monotonic() - start


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


class Bot:
    """A running Rasa server (and, for ours, the action server) with a way to send a message."""

    def __init__(self, name, rasa_cmd, webhook, headers, sender_prefix, cwd, environment, actions_cmd=None):
        self.name, self.webhook, self.headers, self.prefix = name, webhook, headers, sender_prefix
        self.procs = []
        self.logs = {"actions": WORK / f"{name}-actions.log", "rasa": WORK / f"{name}-rasa.log"}
        if actions_cmd:
            self.actions = subprocess.Popen(
                actions_cmd, cwd=cwd, env=environment, stdout=self.logs["actions"].open("w"), stderr=subprocess.STDOUT
            )
            self.procs.append(self.actions)
        self.rasa = subprocess.Popen(
            rasa_cmd, cwd=cwd, env=environment, stdout=self.logs["rasa"].open("w"), stderr=subprocess.STDOUT
        )
        self.procs.append(self.rasa)
        self.session = requests.Session()

    def say(self, sender, text, channel="shell") -> float:
        start = time.perf_counter()
        body = {"sender": f"{self.prefix}{sender}", "message": text, "input_channel": channel}
        reply = self.session.post(self.webhook, json=body, headers=self.headers, timeout=120)
        reply.raise_for_status()
        return (time.perf_counter() - start) * 1000

    def stop(self):
        rss = {
            ("action server" if "actions" in p.args else "rasa server"): peak_rss_mb(p.pid)
            for p in self.procs
            if p.poll() is None
        }
        for p in self.procs:
            p.send_signal(signal.SIGINT)
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        return rss


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


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    results = {
        "machine": f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    print("Training both bots (this takes a few minutes) ...", flush=True)
    stock_dir = WORK / "stock"
    stock_dir.mkdir()
    results["stock_training_s"] = round(
        timed([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(stock_dir)], cwd=WORK, env=env()), 1
    )
    results["ours_training_s"] = round(
        timed(
            [
                str(BIN / "rasa"),
                "train",
                "--domain",
                "domain",
                "--data",
                "data",
                "--config",
                "config.yml",
                "--out",
                str(WORK / "models"),
                "--force",
            ],
            cwd=ROOT,
            env=env(),
        ),
        1,
    )

    print("Knowledge search ...", flush=True)
    results["ours_knowledge_search_real"] = knowledge_search(f"sqlite:///{WORK / 'kb-real.db'}")
    results["ours_knowledge_search_10k"] = knowledge_search(f"sqlite:///{WORK / 'kb-10k.db'}", sections=10000)

    stock_port = free_port()
    stock = Bot(
        "stock",
        [
            str(BIN / "rasa"),
            "run",
            "--enable-api",
            "-i",
            "127.0.0.1",
            "-p",
            str(stock_port),
            "-m",
            str(stock_dir / "models"),
        ],
        f"http://127.0.0.1:{stock_port}/webhooks/rest/webhook",
        {},
        "",
        stock_dir,
        env(),
    )
    db_url = f"sqlite:///{WORK / 'prr.db'}"
    ours_env = env(
        DATABASE_URL=db_url,
        PRR_BRIDGE_TOKEN=TOKEN,
        PRR_KEYS_DIR=str(WORK / "keys"),
        PRR_API_TOKEN=API_TOKEN,
        PRR_ACTIONS_TOKEN=ACTIONS_TOKEN,
    )
    subprocess.run(
        [str(BIN / "prr"), "db", "upgrade"],
        env=ours_env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run(
        [str(BIN / "prr"), "knowledge", "load"],
        env=ours_env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Staff are added through the store, in the bench's own environment (the CLI would ask for an admin).
    add_staff = (
        "from bot.staff.store import StaffStore; from bot.storage.db import session_factory; "
        "store = StaffStore(session_factory()); "
        "print(' '.join(store.add(f'bench{i}', 'intake').sender_id for i in range(21)))"
    )
    staff = subprocess.run(
        [str(BIN / "python"), "-c", add_staff], env=ours_env, check=True, capture_output=True, text=True
    ).stdout.split()
    actions_port, rasa_port = free_port(), free_port()
    (WORK / "endpoints.yml").write_text(
        yaml.safe_dump(rasa_endpoints(db_url, f"http://127.0.0.1:{actions_port}/webhook", actions_token=ACTIONS_TOKEN))
    )
    ours = Bot(
        "ours",
        [
            str(BIN / "python"),
            "-m",
            "bot.rasa_plugins.serve",
            "run",
            "--enable-api",
            "-i",
            "127.0.0.1",
            "-p",
            str(rasa_port),
            "-m",
            str(WORK / "models"),
            "--endpoints",
            str(WORK / "endpoints.yml"),
            "--credentials",
            "credentials.yml",
        ],
        f"http://127.0.0.1:{rasa_port}/webhooks/bridge/webhook",
        {"Authorization": f"Bearer {TOKEN}"},
        "",
        ROOT,
        ours_env,
        actions_cmd=actions_command(actions_port),
    )
    try:
        wait_until_up(f"http://127.0.0.1:{stock_port}/", stock.rasa, stock.logs["rasa"])
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", ours.rasa, ours.logs["rasa"])
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", ours.actions, ours.logs["actions"])
        print("One long conversation, then 20 at once ...", flush=True)
        warm_up(stock, STOCK_TURNS)
        warm_up(_Sender(ours, staff[19]), OUR_TURNS)
        results["stock_one_conversation"] = one_conversation(stock, STOCK_TURNS)
        results["ours_one_conversation"] = one_conversation(_Sender(ours, staff[20]), OUR_TURNS)
        results["stock_20_concurrent"] = concurrent(stock, STOCK_TURNS)
        results["ours_20_concurrent"] = concurrent(_Pool(ours, staff[:20]), OUR_TURNS)
        print("Mixed workload ...", flush=True)
        results["ours_mixed_intake_and_questions"] = mixed(ours, staff[:20])
    finally:
        results["stock_peak_rss_mb"] = stock.stop()
        results["ours_peak_rss_mb"] = ours.stop()
    report(results)


class _Sender:
    """Route a bot's 'long' conversation to one staff id (our bridge needs real staff ids)."""

    def __init__(self, bot, staff_id):
        self.bot, self.staff_id = bot, staff_id

    def say(self, sender, text):
        return self.bot.say(self.staff_id, text)


class _Pool:
    def __init__(self, bot, staff_ids):
        self.bot, self.ids = bot, staff_ids

    def say(self, sender, text):
        return self.bot.say(self.ids[int(sender[1:]) % len(self.ids)], text)


def check_targets(results) -> dict:
    """The targets of the speed issue, for our assistant on a 2-core machine."""
    ours, busy = results["ours_one_conversation"], results["ours_20_concurrent"]
    return {
        "median turn <= 60 ms at every length up to 200": ours["slowest_10_turns"]["median_ms"] <= 60,
        "turn 200 <= 1.3 x turn 1": ours["turn_200"]["median_ms"] <= 1.3 * ours["turn_1"]["median_ms"],
        ">= 40 messages/s with 20 at once": busy["messages_per_s"] >= 40,
        "p95 < 1 s with 20 at once": busy["p95_ms"] < 1000,
        "knowledge search p95 < 10 ms at 10,000 sections": results["ours_knowledge_search_10k"]["p95_ms"] < 10,
        "training < 3 min": results["ours_training_s"] < 180,
    }


def report(results):
    def row(label, stock, ours, key="median_ms"):
        s, o = (stock or {}).get(key), (ours or {}).get(key)
        ratio = f"{o / s:.2f}" if s and o else ""
        print(f"{label:44} {s if s is not None else '':>10} {o if o is not None else '':>10} {ratio:>7}")

    print(f"\n{results['machine']} — {results['date']}")
    print(f"{'measure':44} {'stock':>10} {'ours':>10} {'ours/stock':>7}")
    for n in ("turn_1", "turn_50", "turn_200", "slowest_10_turns"):
        row(
            f"one conversation, {n.replace('_', ' ')}: median ms",
            results["stock_one_conversation"][n],
            results["ours_one_conversation"][n],
        )
        row(
            f"one conversation, {n.replace('_', ' ')}: p95 ms",
            results["stock_one_conversation"][n],
            results["ours_one_conversation"][n],
            "p95_ms",
        )
    row(
        "20 conversations at once: messages/s",
        results["stock_20_concurrent"],
        results["ours_20_concurrent"],
        "messages_per_s",
    )
    row("20 conversations at once: median ms", results["stock_20_concurrent"], results["ours_20_concurrent"])
    row("20 conversations at once: p95 ms", results["stock_20_concurrent"], results["ours_20_concurrent"], "p95_ms")
    row("training: s", {"v": results["stock_training_s"]}, {"v": results["ours_training_s"]}, "v")
    for key in ("ours_mixed_intake_and_questions", "ours_knowledge_search_real", "ours_knowledge_search_10k"):
        r = results[key]
        print(
            f"{key:44} median {r['median_ms']} ms, p95 {r['p95_ms']} ms"
            + (f", {r['messages_per_s']} msg/s" if "messages_per_s" in r else "")
            + (f", {r['sections']} sections" if "sections" in r else "")
        )
    print(f"peak resident memory (MB): stock {results['stock_peak_rss_mb']}, ours {results['ours_peak_rss_mb']}")
    results["targets"] = check_targets(results)
    for name, met in results["targets"].items():
        print(f"target {'met    ' if met else 'NOT MET'}  {name}")
    out = WORK / "results.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
