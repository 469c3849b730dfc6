"""Secrets kept outside the repository and the database, and how a presented one is checked.

- The bridge token lets channel bridges (Telegram, web) hand messages to Rasa with the staff
  member's id already checked.
- The actions token is what Rasa presents to our action server (in the generated endpoints
  file), so that no other local process can run an action as a staff member.
- The API token opens Rasa's HTTP API, when that is switched on.
- Each bridge presents its own token derived from the bridge token (`channel_token`), which
  names the channel, so the audit records the channel the server knows, not one claimed.
- The audit key keys the audit trail's hash chain: whoever can write the database but cannot
  read this key cannot rewrite the chain unnoticed.

Each comes from its environment variable or from a 0600 file under var/keys/, generated on first
use. A secret shorter than MIN_LENGTH, or an empty file, is refused with a clear message
(TokenError), so a server stops at start-up instead of running with a guessable secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from bot.config import settings
from bot.security.private_files import write_whole

MIN_LENGTH = 32


class TokenError(ValueError):
    """A secret is empty or too short; the message says which and what to do."""


def keys_dir() -> Path:
    return settings().keys_dir


def bridge_token() -> str:
    return _secret(settings().bridge_token, "PRR_BRIDGE_TOKEN", "bridge.token")


def actions_token() -> str:
    """What Rasa presents to the action server (PRR_ACTIONS_TOKEN or var/keys/actions.token)."""
    return _secret(settings().actions_token, "PRR_ACTIONS_TOKEN", "actions.token")


BRIDGE_CHANNELS = ("telegram", "web", "shell")


def channel_token(channel: str, master: str | None = None) -> str:
    """The bridge token of one channel, derived from the bridge token: Rasa's bridge channel
    tells the channels apart by the token they present, so the channel in the audit trail is
    the one the server knows, not the one a message claims."""
    if channel not in BRIDGE_CHANNELS:
        raise ValueError(f"not a bridge channel: {channel}")
    secret = (master or bridge_token()).encode("utf-8")
    return hmac.new(secret, f"bridge channel\x1f{channel}".encode("ascii"), hashlib.sha256).hexdigest()


def api_token() -> str:
    """The token for Rasa's HTTP API (given to Rasa by bot.rasa_plugins.serve): PRR_API_TOKEN or var/keys/api.token."""
    return _secret(settings().api_token, "PRR_API_TOKEN", "api.token")


def audit_key() -> bytes:
    """The HMAC key of the audit chain: PRR_AUDIT_KEY or var/keys/audit.key (0600, made on first use)."""
    return _secret(settings().audit_key, "PRR_AUDIT_KEY", "audit.key").encode("utf-8")


def secret_matches(given: str | None, expected: str) -> bool:
    """Whether a presented secret (a header's value) is the expected one, in constant time.

    Bytes are compared because compare_digest refuses non-ASCII strings with TypeError; a value
    that cannot even be encoded is simply wrong, so the caller answers 401/403, never 500.
    """
    try:
        return hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))
    except (TypeError, UnicodeError):
        return False


def bearer_matches(header: str | None, token: str) -> bool:
    """Whether an Authorization header is `Bearer <token>` (see secret_matches)."""
    return secret_matches(header, f"Bearer {token}")


def _secret(given: str, variable: str, file_name: str) -> str:
    if given:
        return _checked(given, variable, "Set it to a longer random value, or unset it to use a generated one.")
    path = keys_dir() / file_name
    if not path.exists():
        _create(path)
    return _checked(path.read_text().strip(), str(path), "Delete the file to have a new secret made.")


def _checked(value: str, source: str, remedy: str) -> str:
    if not value:
        raise TokenError(f"{source} is empty. {remedy}")
    if len(value) < MIN_LENGTH:
        raise TokenError(
            f"The secret in {source} has {len(value)} characters; at least {MIN_LENGTH} are needed. {remedy}"
        )
    return value


def install_audit_key(value: str) -> None:
    """Put an audit key from a key backup in place. One already there is kept, and must be it."""
    value = _checked(value.strip(), "the key backup's audit key", "Use the backup made with the data keys.")
    path = keys_dir() / "audit.key"
    if not settings().audit_key and not path.exists():
        _create(path, value)
    elif not secret_matches(audit_key().decode("utf-8"), value):
        where = "PRR_AUDIT_KEY" if settings().audit_key else str(path)
        raise TokenError(f"{where} holds another audit key than the backup's; move it away and restore again.")


def _create(path: Path, value: str | None = None) -> None:
    """Write a secret (a fresh one unless given), whole; if another process made the file first,
    that one is kept and both read it."""
    write_whole(path, (value or secrets.token_urlsafe(32)) + "\n", replace=False)
