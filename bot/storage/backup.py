"""Backups: a consistent copy of the database, and, separately and only when asked, the data keys.

SQLite is copied with its online backup API (a consistent snapshot while servers keep writing);
PostgreSQL with `pg_dump --format=custom` (one snapshot) and restored with `pg_restore`. A backup
holds only ciphertext for the sensitive fields, so it is useless without the keys, which is why
keys go to a file of their own, to be stored apart. Restores go into a new, empty database only.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from bot.security import crypto
from bot.security.private_files import create_new
from bot.security.tokens import audit_key

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why."""


def create_backup(url: str, out: Path) -> str:
    """Write a consistent copy of the database at `url` to `out` (a new 0600 file); its kind."""
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(target, must_exist=True), out, new_file=True)
        return "sqlite"
    if target.get_backend_name() == "postgresql":
        fd = _new_private_file(out)
        try:
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges"], target, stdout=fd)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            out.unlink(missing_ok=True)
            raise
        os.close(fd)
        return "postgresql"
    raise BackupError(f"Backups cover SQLite and PostgreSQL, not {target.get_backend_name()}.")


AUDIT_KEY_LINE = "audit-key: "


def write_key_backup(out: Path) -> int:
    """Write the data keys (newest first) and the audit chain's key to `out`, a new 0600 file;
    how many data keys. Without the audit key a restored audit trail cannot be verified."""
    keys = crypto.read_keys()
    fd = _new_private_file(out)
    with os.fdopen(fd, "w") as handle:
        handle.write("# PRR data keys, newest first, and the audit key. Keep apart from database backups.\n")
        handle.write("\n".join(keys) + "\n")
        handle.write(AUDIT_KEY_LINE + audit_key().decode("utf-8") + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return len(keys)


def restore_backup(backup: Path, to_url: str) -> str:
    """Restore `backup` into the new, empty database at `to_url`; the backup's kind."""
    kind = backup_kind(backup)
    target = make_url(to_url)
    if kind != target.get_backend_name():
        raise BackupError(
            f"This is a {kind} backup; restore it into a {kind} database, not {target.get_backend_name()}."
        )
    if kind == "sqlite":
        path = _sqlite_path(target, must_exist=False)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"{path} already exists and is not empty; restore into a new database.")
        _sqlite_copy(backup, path, new_file=not path.exists())
        return kind
    _refuse_non_empty(to_url)
    restore = ["pg_restore", f"--dbname={target.database}", "--no-owner", "--no-privileges", "--exit-on-error"]
    _run([*restore, "--single-transaction", str(backup)], target)
    return kind


def backup_kind(backup: Path) -> str:
    with open(backup, "rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{backup} is not a backup made by `prr backup create`.")


def _sqlite_path(url: URL, must_exist: bool) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("The SQLite URL names no database file.")
    path = Path(url.database)
    if must_exist and not path.exists():
        raise BackupError(f"There is no database at {path}.")
    return path


def _sqlite_copy(source: Path, out: Path, new_file: bool) -> None:
    if new_file:
        os.close(_new_private_file(out))
    reader = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    writer = sqlite3.connect(out)
    try:
        reader.backup(writer)  # page by page, restarting if a writer changes the source meanwhile
    except BaseException:
        writer.close()
        if new_file:
            out.unlink(missing_ok=True)
        raise
    finally:
        reader.close()
    writer.close()
    with open(out, "rb") as handle:
        os.fsync(handle.fileno())


def _new_private_file(out: Path) -> int:
    try:
        return create_new(out)
    except FileExistsError:
        raise BackupError(f"{out} already exists; choose a new file name.") from None


def _refuse_non_empty(url: str) -> None:
    engine = create_engine(url, future=True)
    try:
        if inspect(engine).get_table_names():
            raise BackupError("The target database already has tables; restore into a new, empty database.")
    finally:
        engine.dispose()


def _run(command: list[str], url: URL, stdout=None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (the PostgreSQL client tools are needed).")
    # Connection details go in the environment, so the password is not in the process list.
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[name] = str(value)
    done = subprocess.run(command, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
