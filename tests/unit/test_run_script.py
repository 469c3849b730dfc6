"""scripts/run.sh itself, with stand-ins for the programs it starts: what it creates is private,
and Rasa's HTTP API is not switched on."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.paths import ROOT

STAND_INS = {
    # Each records how it was called, writes a line to its log (stdout) and stays up like a server.
    "prr": """echo "prr $*" >>"$CALLS"
case "$1" in
  rasa-endpoints) echo "action_endpoint: {headers: {Authorization: Bearer x}}" ;;
  secret) echo "a-secret-that-is-long-enough-0123456789" ;;
  *) echo "started"; exec sleep 30 ;;
esac""",
    "python": """echo "python $*" >>"$CALLS"
echo "started"
case "$*" in
  *bot.rasa_plugins.serve*) exec sleep 3 ;;  # Rasa: stops by itself, which ends run.sh
  *) exec sleep 30 ;;
esac""",
    "curl": "exit 0",
}


def test_run_sh_makes_its_files_private_and_leaves_the_rasa_api_off(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "run.sh", tmp_path / "scripts" / "run.sh")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, body in STAND_INS.items():
        (bin_dir / name).write_text(f"#!/usr/bin/env bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    log_dir = tmp_path / "var" / "log"
    log_dir.mkdir(parents=True, mode=0o755)
    (log_dir / "rasa.log").write_text("from an earlier run\n")
    (log_dir / "rasa.log").chmod(0o644)
    (tmp_path / "var" / "prr.db").write_bytes(b"")
    (tmp_path / "var" / "prr.db").chmod(0o644)
    calls = tmp_path / "calls"
    env = {**os.environ, "CALLS": str(calls), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)

    done = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "run.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0o022),  # a usual login umask: run.sh must not rely on it
    )

    assert "PRR Assistant is running" in done.stdout, done.stdout + done.stderr
    assert "?token=" not in done.stdout

    def mode(path: Path) -> int:
        return path.stat().st_mode & 0o777

    assert mode(tmp_path / "var") == 0o700 and mode(log_dir) == 0o700
    assert {p.name: mode(p) for p in log_dir.iterdir()} == {
        "actions.log": 0o600,
        "rasa.log": 0o600,
        "web.log": 0o600,
    }
    assert mode(tmp_path / "var" / "endpoints.yml") == 0o600
    assert mode(tmp_path / "var" / "prr.db") == 0o600  # made by an earlier run with a looser umask
    assert "Bearer" in (tmp_path / "var" / "endpoints.yml").read_text()
    assert not (tmp_path / "var" / "endpoints.yml.new").exists()
    started = calls.read_text().splitlines()
    rasa = [c for c in started if "bot.rasa_plugins.serve" in c]
    assert len(rasa) == 1 and "--enable-api" not in rasa[0] and "--auth-token" not in rasa[0]
    assert any(c.startswith("python -m bot.rasa_plugins.action_server") for c in started)
