"""Anchors of the audit chain outside the database.

After each committed entry its number and hash are appended, signed with the audit key and
tagged with the database (several may share the folder), to var/audit/anchors.log
(PRR_AUDIT_DIR); `prr audit verify` then finds a chain that was cut
short, wiped, or re-created. An operator can also keep a head (`prr audit anchor` prints it,
as SEQ:HASH) somewhere else entirely and give it to `prr audit verify --anchor`. Making the
file append-only for the service account (chattr +a) or shipping it to syslog is the
operator's part.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from bot.config import settings
from bot.security.tokens import audit_key

ANCHOR_FILE = "anchors.log"
_HEAD = re.compile(r"^#?(\d+):([0-9a-f]{64})$")
log = logging.getLogger(__name__)


class AnchorError(ValueError):
    """An anchor that cannot be read or was not signed with the audit key."""


@dataclass(frozen=True)
class Head:
    """An entry's number and hash: the chain up to it is fixed by it."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def parse_head(text: str) -> Head:
    """An operator's anchor, as `prr audit anchor` printed it (SEQ:HASH)."""
    match = _HEAD.match((text or "").strip().lower())
    if not match:
        raise AnchorError("An anchor looks like 42:<64 hex digits>, as `prr audit anchor` prints it.")
    return Head(int(match.group(1)), match.group(2))


def anchor_path() -> Path:
    return settings().audit_dir / ANCHOR_FILE


def _signature(database: str, head: Head) -> str:
    return hmac.new(audit_key(), f"anchor\x1f{database}\x1f{head}".encode("ascii"), hashlib.sha256).hexdigest()


def append(head: Head, database: str) -> None:
    """Add a signed head to the file. The entry is committed already: a failure here is logged,
    never raised, and the next entry's anchor covers this one too."""
    path = anchor_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # One short write with O_APPEND: lines from several processes never interleave.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{database} {head} {_signature(database, head)}\n".encode("ascii"))
        finally:
            os.close(fd)
    except OSError as error:
        log.warning("Could not write the audit anchor to %s: %s", path, error.strerror)


def read(database: str) -> list[Head]:
    """Every signed head of this database's chain in the file (none if there is no file yet)."""
    path = anchor_path()
    if not path.exists():
        return []
    heads = []
    for number, line in enumerate(path.read_text(encoding="ascii", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        tag, head_text, signature = (line.strip().split(" ") + ["", ""])[:3]
        try:
            head = parse_head(head_text)
        except AnchorError:
            head = None
        if head is None or not hmac.compare_digest(signature, _signature(tag, head)):
            raise AnchorError(f"line {number} of {path} is not an anchor signed with the audit key")
        if tag == database:
            heads.append(head)
    return heads
