"""Start the real action server and Rasa server (and bridges) on free ports for a test module."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests
import yaml

from bot.config import QUIET_ENVIRONMENT
from bot.rasa_endpoints import rasa_endpoints
from bot.security.tokens import channel_token
from tests.support.paths import ROOT

BIN = ROOT / ".venv" / "bin"
# The web chat and the Telegram bridge run from their own environment (a current aiohttp, no Rasa).
BRIDGES_BIN = ROOT / ".venv-bridges" / "bin"
START_TIMEOUT = 240
BRIDGE_TOKEN = "test-bridge-token-not-secret-0123456789"
API_TOKEN = "test-api-token-not-secret-0123456789"
ACTIONS_TOKEN = "test-actions-token-not-secret-0123456789"


def actions_command(port: int) -> list[str]:
    """Our action server, as scripts/run.sh starts it (on 127.0.0.1, callable only with the actions token)."""
    return [str(BIN / "python"), "-m", "bot.rasa_plugins.action_server", "--actions", "actions", "--port", str(port)]


def rasa_command(port: int, model: Path, endpoints: Path) -> list[str]:
    """Our Rasa server, as scripts/run.sh starts it (on 127.0.0.1; the API token comes from
    PRR_API_TOKEN in the environment, not from argv)."""
    return [
        str(BIN / "python"),
        "-m",
        "bot.rasa_plugins.serve",
        "run",
        "--enable-api",
        "-i",
        "127.0.0.1",
        "--port",
        str(port),
        "-m",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(ROOT / "credentials.yml"),
    ]


def private_log(path: Path):
    """A log file only this account can read, as scripts/run.sh's umask 077 makes them."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP port listens on, read from the kernel's socket tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                # The kernel prints each 32-bit word of the address in host (little-endian) order.
                raw = b"".join(bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, len(address), 8))
                found.add(str(ipaddress.ip_address(raw)))
    return found


def wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")


class Servers:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.db_url = f"sqlite:///{workdir / 'prr.db'}"
        self.actions_port, self.rasa_port = free_port(), free_port()
        # The same keys directory as this test process, so that tests can read what servers encrypt.
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            **QUIET_ENVIRONMENT,
            "PRR_BRIDGE_TOKEN": BRIDGE_TOKEN,
            "PRR_API_TOKEN": API_TOKEN,
            "PRR_ACTIONS_TOKEN": ACTIONS_TOKEN,
        }
        # Conversations in the same database as the cases, as `make run` sets it up.
        self.write_endpoints()
        self.actions = self.rasa = None

    def write_endpoints(self, lock_store_url=None, lock_prefix=None):
        endpoints = rasa_endpoints(
            self.db_url, f"http://127.0.0.1:{self.actions_port}/webhook", lock_store_url, lock_prefix, ACTIONS_TOKEN
        )
        path = self.workdir / "endpoints.yml"  # holds the actions token: 0600, as run.sh makes it
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(yaml.safe_dump(endpoints))

    def start_actions(self):
        log = self.workdir / "actions.log"
        self.actions = subprocess.Popen(
            actions_command(self.actions_port),
            cwd=ROOT,
            env=self.env,
            stdout=private_log(log),
            stderr=subprocess.STDOUT,
        )
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.actions, log)

    def start_rasa(self):
        log = self.workdir / "rasa.log"
        self.rasa = subprocess.Popen(
            rasa_command(self.rasa_port, ROOT / "models" / "prr.tar.gz", self.workdir / "endpoints.yml"),
            cwd=ROOT,
            env=self.env,
            stdout=private_log(log),
            stderr=subprocess.STDOUT,
        )
        wait_until_up(f"http://127.0.0.1:{self.rasa_port}/status?token={API_TOKEN}", self.rasa, log)

    @staticmethod
    def stop(proc):
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def say(self, sender: str, message: str, channel: str = "shell") -> list[dict]:
        """Post as our bridges do: with the bridge token and a staff member's id as sender."""
        reply = requests.post(
            f"http://127.0.0.1:{self.rasa_port}/webhooks/bridge/webhook",
            headers={"Authorization": f"Bearer {channel_token(channel, BRIDGE_TOKEN)}"},
            json={"sender": sender, "message": message},
            timeout=60,
        )
        reply.raise_for_status()
        return reply.json()

    def add_staff(self, name: str, role: str, telegram_id: int | None = None) -> str:
        """Register a staff member in the servers' database; returns their conversation id."""
        from bot.staff.store import StaffStore
        from bot.storage.db import session_factory

        return StaffStore(session_factory(self.db_url)).add(name, role, telegram_id).sender_id


@contextlib.contextmanager
def running_servers(workdir: Path, env: dict | None = None):
    """A migrated database with the knowledge corpus, and both servers up; stopped afterwards.

    `env` adds to or overrides the servers' environment (e.g. their own PRR_KEYS_DIR)."""
    from bot.knowledge.store import load_corpus
    from bot.storage.db import session_factory
    from bot.storage.migrate import upgrade

    servers = Servers(workdir)
    servers.env.update(env or {})
    upgrade(servers.db_url)
    with session_factory(servers.db_url).begin() as session:
        load_corpus(session, ROOT / "knowledge")
    try:
        servers.start_actions()
        servers.start_rasa()
        yield servers
    finally:
        servers.stop(servers.rasa)
        servers.stop(servers.actions)
