"""Files that hold secrets or case data: created for the owner only, written whole.

One place for what exports, backups, key files and generated secrets all need: a new file is
never opened through a link or over an existing file (whose mode and other links would be kept),
and a secret file is written under a temporary name, synced, then put in place, so that no reader
ever sees it half written and a power cut leaves the old or the new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def create_new(path: str | Path) -> int:
    """Open a file that did not exist, 0600 whatever the umask; FileExistsError for a file or link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def write_whole(path: Path, text: str, *, replace: bool) -> bool:
    """Write `text` to `path` (0600) via a synced temporary file. With `replace`, an existing file is
    replaced; without, it is kept and nothing is written (two processes making the same secret
    both read the one made first). Whether `text` was put in place."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600, O_EXCL
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                return False
        sync_folder(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def sync_folder(folder: Path) -> None:
    """fsync a folder, so that a file created or renamed in it survives a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
