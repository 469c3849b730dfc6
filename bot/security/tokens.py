"""Secrets kept outside the repository and the database.

The bridge token lets channel bridges (Telegram, web) hand messages to Rasa with the staff
member's id already checked; it comes from PRR_BRIDGE_TOKEN or a 0600 file under var/keys/.
Each channel presents its own token derived from it (`channel_token`), which names the channel.
The audit key keys the audit trail's hash chain (PRR_AUDIT_KEY or var/keys/audit.key): whoever
can write the database but cannot read it cannot rewrite the chain unnoticed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from bot.config import settings


def keys_dir() -> Path:
    return settings().keys_dir


def bridge_token() -> str:
    return settings().bridge_token or _generated("bridge.token")


BRIDGE_CHANNELS = ("telegram", "web", "shell")


def channel_token(channel: str, master: str | None = None) -> str:
    """The bridge token of one channel, derived from the bridge token: Rasa's bridge channel
    tells the channels apart by the token they present, so the channel in the audit trail is
    the one the server knows, not the one a message claims."""
    if channel not in BRIDGE_CHANNELS:
        raise ValueError(f"not a bridge channel: {channel}")
    secret = (master or bridge_token()).encode("utf-8")
    return hmac.new(secret, f"bridge channel\x1f{channel}".encode("ascii"), hashlib.sha256).hexdigest()


def _generated(name: str) -> str:
    path = keys_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:  # O_EXCL: when two processes start at once, one creates the file and both read it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    except FileExistsError:
        pass
    return path.read_text().strip()


def api_token() -> str:
    """The token for Rasa's HTTP API (given to Rasa by bot.rasa_plugins.serve): PRR_API_TOKEN or var/keys/api.token."""
    return settings().api_token or _generated("api.token")


def audit_key() -> bytes:
    """The HMAC key of the audit chain: PRR_AUDIT_KEY or var/keys/audit.key (0600, made on first use)."""
    return (settings().audit_key or _generated("audit.key")).encode("utf-8")
