"""Encryption at rest for sensitive case data: the one place that encrypts and decrypts.

Fernet (AES-128-CBC with HMAC-SHA256: authenticated encryption) from `cryptography`. Keys live
outside the database: PRR_DATA_KEY (comma-separated, newest first) or var/keys/data.keys (one
per line, newest first, 0600). New data is encrypted with the newest key; every listed key can
decrypt, which is what lets a rotation be interrupted and resumed.

A key is never made on the fly: a missing key file is an error, because a fresh key would
silently split the data between two keys. Only the start-up check (bot/security/key_check.py,
on a database with no encrypted data) and `prr keys init` create one. Every write of the key
file holds an flock on var/keys/.lock and is durable (temp file, fsync, rename, fsync of the
folder), so a power cut leaves either the old file or the new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import os
import threading
from base64 import urlsafe_b64decode
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.security.private_files import write_whole
from bot.security.tokens import keys_dir

_lock = threading.Lock()
_cached: tuple[tuple, MultiFernet] | None = None
_file_lock_depth = threading.local()
FINGERPRINT_LABEL = b"prr data key fingerprint v1"
RESTORE_HINT = "restore it from your key backup (README 'Keys and backups')"


class DataKeyError(RuntimeError):
    """The data keys are missing or do not fit the data."""


class KeysBusy(DataKeyError):
    """Another process holds the keys lock (a rotation is running)."""


def key_file() -> Path:
    return keys_dir() / "data.keys"


def keys_from_environment() -> bool:
    return bool(os.environ.get("PRR_DATA_KEY"))


def has_keys() -> bool:
    return keys_from_environment() or key_file().exists()


def read_keys() -> list[str]:
    """The data keys, newest first. A missing key is an error, never a reason to make one."""
    env = os.environ.get("PRR_DATA_KEY")
    if env:
        return [k.strip() for k in env.split(",") if k.strip()]
    path = key_file()
    try:
        keys = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        raise DataKeyError(f"The data key file {path} is missing; {RESTORE_HINT}.") from None
    if not keys:
        raise DataKeyError(f"The data key file {path} is empty; {RESTORE_HINT}.")
    return keys


def fingerprint(key: str) -> str:
    """An HMAC of a constant under the key: names the key in the database without revealing it."""
    try:
        raw = urlsafe_b64decode(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise DataKeyError("A data key is malformed (expected Fernet keys).") from None
    return hmac.new(raw, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


@contextlib.contextmanager
def keys_lock(wait: bool = True):
    """Hold the flock on var/keys/.lock; re-entrant within a thread (rotation writes keys inside it)."""
    depth = getattr(_file_lock_depth, "value", 0)
    if depth:
        _file_lock_depth.value = depth + 1
        try:
            yield
        finally:
            _file_lock_depth.value -= 1
        return
    folder = keys_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KeysBusy("Another key rotation is running (var/keys/.lock is held); try again later.") from None
        _file_lock_depth.value = 1
        try:
            yield
        finally:
            _file_lock_depth.value = 0
    finally:
        os.close(fd)  # closing releases the flock


def create_first_key() -> str:
    """Write a key file with one fresh key; refuses if one exists. Callers decide it is safe."""
    if keys_from_environment():
        raise DataKeyError("Keys come from PRR_DATA_KEY; set them there.")
    with keys_lock():
        if key_file().exists():
            raise DataKeyError(f"A data key file already exists at {key_file()}; it was left as it is.")
        key = new_key()
        write_keys([key])
    return key


def install_keys(keys: list[str]) -> None:
    """Put keys from a key backup in place; refuses to replace an existing key file."""
    for key in keys:
        fingerprint(key)
        try:
            Fernet(key)
        except ValueError:
            raise DataKeyError("The key backup holds a malformed key (expected Fernet keys).") from None
    if not keys:
        raise DataKeyError("The key backup holds no key.")
    with keys_lock():
        if key_file().exists():
            raise DataKeyError(f"A data key file already exists at {key_file()}; move it away first.")
        write_keys(keys)


def write_keys(keys: list[str]) -> None:
    """Replace the key file durably and atomically (0600), holding the keys lock."""
    if keys_from_environment():
        raise DataKeyError("Keys come from PRR_DATA_KEY; rotate them there, not in the key file.")
    path = key_file()
    with keys_lock():
        write_whole(path, "\n".join(keys) + "\n", replace=True)
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
    fernet = fernet_for(read_keys())
    with _lock:  # the stamp taken before reading: a change during the read is seen next time
        _cached = (stamp if stamp is not None else _keys_stamp(), fernet)
    return fernet


def fernet_for(keys: list[str]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise DataKeyError("A data key is malformed (expected Fernet keys).") from None


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


def readable_by(fernet: MultiFernet, token: str) -> bool:
    try:
        fernet.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def reencrypt(token: str) -> str:
    """Decrypt with any key, encrypt with the newest: one step of a key rotation."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DataKeyError("Encrypted data could not be decrypted with the current keys.") from None


def new_key() -> str:
    return Fernet.generate_key().decode()
