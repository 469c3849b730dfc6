"""Sealing Rasa's event data: encrypted with the data key (bot/security/crypto.py) by `seal`
before the tracker store writes a row, opened by `unseal_all`. Rows written as clear JSON by
earlier versions are still read, and sealed by the next key rotation (`reseal`)."""

from __future__ import annotations

import json

from bot.security import crypto


def seal(data: dict) -> str:
    return crypto.encrypt(json.dumps(data))


def unseal_all(stored: list[str]) -> list[dict]:
    opened = iter(crypto.decrypt_many([s for s in stored if not is_clear(s)]))
    return [json.loads(s if is_clear(s) else next(opened)) for s in stored]


def is_clear(stored: str) -> bool:
    return stored.lstrip().startswith("{")  # JSON; a sealed value is a Fernet token


def reseal(stored: str) -> str:
    """One step of a key rotation: under the newest key, and clear rows sealed."""
    return seal(json.loads(stored)) if is_clear(stored) else crypto.reencrypt(stored)
