"""Encryption at rest for sensitive case data: the one place that encrypts and decrypts.

Fernet (AES-128-CBC with HMAC-SHA256: authenticated encryption) from `cryptography`. Keys live
outside the database: PRR_DATA_KEY (comma-separated, newest first) or var/keys/data.keys (one
per line, newest first, 0600), created on first use. New data is encrypted with the newest
key; every listed key can decrypt, which is what lets a rotation be interrupted and resumed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.security.tokens import keys_dir

_lock = threading.Lock()
_cached: tuple[tuple, MultiFernet] | None = None


class DataKeyError(RuntimeError):
    """The data keys are missing or do not fit the data."""


def key_file() -> Path:
    return keys_dir() / "data.keys"


def read_keys() -> list[str]:
    """The data keys, newest first; a key file is created with one fresh key if there is none."""
    env = os.environ.get("PRR_DATA_KEY")
    if env:
        return [k.strip() for k in env.split(",") if k.strip()]
    path = key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(Fernet.generate_key().decode() + "\n")
        except FileExistsError:
            pass
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def write_keys(keys: list[str]) -> None:
    """Replace the key file atomically (0600)."""
    if os.environ.get("PRR_DATA_KEY"):
        raise DataKeyError("Keys come from PRR_DATA_KEY; rotate them there, not in the key file.")
    path = key_file()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.replace(tmp, path)
    reset()


def reset() -> None:
    global _cached
    with _lock:
        _cached = None


def _fernet() -> MultiFernet:
    # Keys are looked up on each use, so that a rotation run by `prr` reaches running servers;
    # the file is read again only when it changed (it is replaced whole, so its inode changes).
    global _cached
    stamp = _keys_stamp()
    with _lock:
        if _cached is not None and stamp is not None and _cached[0] == stamp:
            return _cached[1]
    keys = read_keys()
    try:
        fernet = MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise DataKeyError("A data key is malformed (expected Fernet keys).") from None
    with _lock:  # the stamp taken before reading: a change during the read is seen next time
        _cached = (stamp if stamp is not None else _keys_stamp(), fernet)
    return fernet


def _keys_stamp():
    env = os.environ.get("PRR_DATA_KEY")
    if env:
        return ("env", env)
    path = os.path.join(keys_dir(), "data.keys")  # os.stat on a str: this runs on every use
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return (path, found.st_ino, found.st_mtime_ns, found.st_size)


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    return decrypt_many([token])[0]


def decrypt_many(tokens: list[str]) -> list[str]:
    """Decrypt several values with one look at the keys (a conversation's events, say)."""
    fernet = _fernet()
    try:
        return [fernet.decrypt(token.encode("ascii")).decode("utf-8") for token in tokens]
    except InvalidToken:
        raise DataKeyError("Encrypted data could not be decrypted with the current keys.") from None


def reencrypt(token: str) -> str:
    """Decrypt with any key, encrypt with the newest: one step of a key rotation."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DataKeyError("Encrypted data could not be decrypted with the current keys.") from None


def new_key() -> str:
    return Fernet.generate_key().decode()
