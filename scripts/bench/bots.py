"""The two bots under measurement: running Rasa servers (and our action server) and a way to talk to them."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import requests

from bot.config import QUIET_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]  # run as `python -m scripts.bench` from here (make bench)
BIN = ROOT / ".venv" / "bin"
WORK = ROOT / "var" / "bench"


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


class Sender:
    """Route a bot's 'long' conversation to one staff id (our bridge needs real staff ids)."""

    def __init__(self, bot, staff_id):
        self.bot, self.staff_id = bot, staff_id

    def say(self, sender, text):
        return self.bot.say(self.staff_id, text)


class Pool:
    def __init__(self, bot, staff_ids):
        self.bot, self.ids = bot, staff_ids

    def say(self, sender, text):
        return self.bot.say(self.ids[int(sender[1:]) % len(self.ids)], text)
