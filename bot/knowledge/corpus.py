"""Parse the Markdown corpus under knowledge/ into sections."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

REQUIRED_KEYS = ("id", "source", "tags")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}$")


class CorpusError(ValueError):
    """A corpus file breaks the format; the message names the file and line."""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    source: str
    tags: tuple[str, ...]
    topic: str
    text: str

    @property
    def content_hash(self) -> str:
        blob = "\x1f".join([self.title, self.source, ",".join(self.tags), self.topic, self.text])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def parse_file(path: Path) -> list[Section]:
    lines = path.read_text(encoding="utf-8").splitlines()
    topic = path.stem.replace("-", " ").capitalize()
    sections: list[Section] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("# "):
            topic = line[2:].strip()
        if not line.startswith("## "):
            i += 1
            continue
        title, start = line[3:].strip(), i + 1
        meta: dict[str, str] = {}
        i += 1
        while i < len(lines) and lines[i].strip() and ":" in lines[i] and not lines[i].startswith("#"):
            key, value = lines[i].split(":", 1)
            meta[key.strip().lower()] = value.strip()
            i += 1
        body: list[str] = []
        while i < len(lines) and not lines[i].startswith("#"):
            body.append(lines[i])
            i += 1
        sections.append(_section(path, start, title, topic, meta, "\n".join(body).strip()))
    return sections


def _section(path: Path, line: int, title: str, topic: str, meta: dict, text: str) -> Section:
    where = f"{path.name}:{line}"
    missing = [k for k in REQUIRED_KEYS if not meta.get(k)]
    if missing:
        raise CorpusError(f"{where}: section '{title}' lacks {', '.join(missing)}")
    if not _ID.match(meta["id"]):
        raise CorpusError(f"{where}: id '{meta['id']}' must be lowercase letters, digits, hyphens")
    if not text:
        raise CorpusError(f"{where}: section '{title}' has no text")
    tags = tuple(t.strip() for t in meta["tags"].split(",") if t.strip())
    return Section(meta["id"], title, meta["source"], tags, topic, text)


def parse_corpus(directory: Path) -> list[Section]:
    sections: list[Section] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        for section in parse_file(path):
            if section.id in seen:
                raise CorpusError(f"{path.name}: id '{section.id}' is also used in {seen[section.id]}")
            seen[section.id] = path.name
            sections.append(section)
    if not sections:
        raise CorpusError(f"no sections found in {directory}")
    return sections
