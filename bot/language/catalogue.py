"""Every sentence a person reads, looked up by a stable id: `text("case.saved", reference=...)`.

One YAML file per language in `messages/` (`en.yml`, later `ru.yml`), nested keys joined with
dots into ids, `{name}` placeholders filled from keyword arguments. An entry that depends on a
number is a mapping of CLDR plural categories (one, few, many, other …) chosen by `count`.
A missing id or placeholder raises, so a typo fails a test instead of reaching a person; an id
missing from a second language falls back to English, so a half-finished translation still works.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale

MESSAGES = Path(__file__).resolve().parent / "messages"
FALLBACK = "en"
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})


class MissingMessage(KeyError):
    """An id or a placeholder the catalogue does not have: a programming error, never user input."""


def languages() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in MESSAGES.glob("*.yml")))


def default_language() -> str:
    from bot.config import settings

    return settings().language


@lru_cache(maxsize=8)
def catalogue(lang: str) -> dict[str, Any]:
    """id -> message (a str, or a mapping of plural categories to str) for one language."""
    path = MESSAGES / f"{lang}.yml"
    if not path.exists():
        raise MissingMessage(f"no catalogue for language {lang!r}")
    return _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def _flatten(tree: Mapping, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and not _is_plural(value):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _is_plural(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and set(value) <= PLURAL_CATEGORIES and "other" in value


def has(message_id: str, lang: str | None = None) -> bool:
    return message_id in catalogue(lang or default_language()) or message_id in catalogue(FALLBACK)


def placeholders(message_id: str, lang: str = FALLBACK) -> frozenset[str]:
    """The named placeholders of a message (of every plural form), e.g. {"reference"}."""
    entry = catalogue(lang)[message_id]
    forms = entry.values() if isinstance(entry, Mapping) else (entry,)
    return frozenset(name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name)


def text(message_id: str, lang: str | None = None, /, **params: Any) -> str:
    """The message in `lang` (default: the configured language) with its placeholders filled."""
    lang = lang or default_language()
    entry = catalogue(lang).get(message_id)
    if entry is None:
        entry = catalogue(FALLBACK).get(message_id)
    if entry is None:
        raise MissingMessage(f"no message {message_id!r}")
    if isinstance(entry, Mapping):
        if "count" not in params:
            raise MissingMessage(f"message {message_id!r} needs a count")
        category = Locale.parse(lang).plural_form(abs(params["count"]))
        entry = entry.get(category, entry["other"])
    try:
        return entry.format_map(params)
    except KeyError as missing:
        raise MissingMessage(f"message {message_id!r} needs the placeholder {missing}") from None


def texts(prefix: str, lang: str | None = None) -> dict[str, str]:
    """Every plain message under `prefix.`, keyed by the rest of its id (the web page's texts)."""
    merged = {**catalogue(FALLBACK), **catalogue(lang or default_language())}
    return {key[len(prefix) + 1 :]: value for key, value in merged.items() if key.startswith(prefix + ".")}


class Worded(Exception):
    """An error whose message is a catalogue id and its placeholders, so that it reads in the
    language of whoever is shown it; str() gives the configured language."""

    def __init__(self, message_id: str, **params: Any):
        super().__init__(message_id)
        self.message_id, self.params = message_id, params

    def text_in(self, lang: str | None = None) -> str:
        return text(self.message_id, lang, **self.params)

    def __str__(self) -> str:
        return self.text_in()
