"""`make bench`: our assistant beside the stock `rasa init` bot, measured in one run.

Kept out of the test suite. Prints a table and writes var/bench/results.json. Everything runs
on 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time

import yaml

from bot.rasa_endpoints import rasa_endpoints  # the endpoints `make run` uses
from scripts.bench.bots import BIN, ROOT, WORK, Bot, Pool, Sender, env, timed
from scripts.bench.report import report
from scripts.bench.workloads import (
    OUR_TURNS,
    STOCK_TURNS,
    concurrent,
    knowledge_search,
    mixed,
    one_conversation,
    warm_up,
)
from tests.support.servers import (  # the tests' start-up checks
    ACTIONS_TOKEN,
    actions_command,
    free_port,
    rasa_command,
    wait_until_up,
)

TOKEN = "bench-bridge-token-not-secret-0123456789"
API_TOKEN = "bench-api-token-not-secret-0123456789"


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
    for command in (["db", "upgrade"], ["knowledge", "load"]):
        subprocess.run(
            [str(BIN / "prr"), *command], env=ours_env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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
        rasa_command(rasa_port, WORK / "models", WORK / "endpoints.yml"),
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
        warm_up(Sender(ours, staff[19]), OUR_TURNS)
        results["stock_one_conversation"] = one_conversation(stock, STOCK_TURNS)
        results["ours_one_conversation"] = one_conversation(Sender(ours, staff[20]), OUR_TURNS)
        results["stock_20_concurrent"] = concurrent(stock, STOCK_TURNS)
        results["ours_20_concurrent"] = concurrent(Pool(ours, staff[:20]), OUR_TURNS)
        print("Mixed workload ...", flush=True)
        results["ours_mixed_intake_and_questions"] = mixed(ours, staff[:20])
    finally:
        results["stock_peak_rss_mb"] = stock.stop()
        results["ours_peak_rss_mb"] = ours.stop()
    report(results)


if __name__ == "__main__":
    main()
