"""Parse the Markdown corpus under knowledge/ into sections, and its bibliography (sources.yml)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

REQUIRED_KEYS = ("id", "source", "tags")
BIBLIOGRAPHY_FILE = "sources.yml"
BIBLIOGRAPHY_FIELDS = ("title", "issuer", "date", "where")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}$")
ASK_SEPARATOR = "|"


class CorpusError(ValueError):
    """A corpus file breaks the format; the message names the file and line."""


@dataclass(frozen=True)
class Citation:
    key: str  # a key of sources.yml
    place: str  # where in that document: "para. 31", "rule 64", "chapter 2.C", ...


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    source: str  # the citations as written: "unsc-2396, para. 31; bangkok-rules, rule 64"
    tags: tuple[str, ...]
    topic: str
    text: str
    asks: tuple[str, ...] = ()
    where: str = ""  # file:line, for messages

    @property
    def citations(self) -> tuple[Citation, ...]:
        return parse_citations(self.source)

    @property
    def content_hash(self) -> str:
        blob = "\x1f".join([self.title, self.source, ",".join(self.tags), self.topic, self.text, "|".join(self.asks)])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def parse_citations(source: str) -> tuple[Citation, ...]:
    """`KEY, PLACE; KEY, PLACE` → citations; a part without a comma has an empty place."""
    out = []
    for part in source.split(";"):
        key, _, place = part.strip().partition(",")
        if key.strip():
            out.append(Citation(key.strip(), place.strip()))
    return tuple(out)


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
        sections.append(_section(f"{path.name}:{start}", title, topic, meta, "\n".join(body).strip()))
    return sections


def _section(where: str, title: str, topic: str, meta: dict, text: str) -> Section:
    missing = [k for k in REQUIRED_KEYS if not meta.get(k)]
    if missing:
        raise CorpusError(f"{where}: section '{title}' lacks {', '.join(missing)}")
    if not _ID.match(meta["id"]):
        raise CorpusError(f"{where}: id '{meta['id']}' must be lowercase letters, digits, hyphens")
    if not text:
        raise CorpusError(f"{where}: section '{title}' has no text")
    tags = tuple(t.strip() for t in meta["tags"].split(",") if t.strip())
    asks = tuple(a.strip() for a in meta.get("asks", "").split(ASK_SEPARATOR) if a.strip())
    return Section(meta["id"], title, meta["source"], tags, topic, text, asks, where)


def parse_corpus(directory: Path) -> list[Section]:
    sections: list[Section] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        for section in parse_file(path):
            if section.id in seen:
                raise CorpusError(f"{section.where}: id '{section.id}' is also used in {seen[section.id]}")
            seen[section.id] = section.where
            sections.append(section)
    if not sections:
        raise CorpusError(f"no sections found in {directory}")
    return sections


def load_bibliography(directory: Path) -> dict[str, dict]:
    """sources.yml: key → {title, issuer, symbol, date, where}. Missing file: an empty bibliography."""
    path = directory / BIBLIOGRAPHY_FILE
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as bad:
        raise CorpusError(f"{path.name}: not valid YAML ({bad})") from bad
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CorpusError(f"{path.name}: expected a mapping of keys to entries (title, issuer, date, where)")
    return {str(k): {f: str(v) for f, v in entry.items() if v is not None} for k, entry in data.items()}


def cite(section: Section, bibliography: dict[str, dict]) -> str:
    """What a reader sees: "Bangkok Rules (A/RES/65/229), rule 64; …" (unknown keys as written)."""
    parts = []
    for c in section.citations:
        entry = bibliography.get(c.key)
        title = entry["title"] if entry else c.key
        symbol = (entry or {}).get("symbol", "")
        if symbol and not any(number in title for number in re.findall(r"\d[\d/.-]*\d", symbol)):
            title = f"{title} ({symbol})"  # the symbol, unless the title already names its number
        parts.append(f"{title}, {c.place}" if c.place else title)
    return "; ".join(parts)
