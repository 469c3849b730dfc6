"""Text no intent should be guessed for: another script or language, symbols only, code, random letters.

A classifier always names some intent, and for text unlike anything it was trained on its
guess is arbitrary. These checks are plain rules, shared by the Rasa component that turns such
text into `nlu_fallback` (bot/rasa_plugins/input_guard.py) and by the reply that explains why.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum


class Unreadable(str, Enum):
    OTHER_SCRIPT = "other_script"  # mostly letters of another alphabet (Cyrillic, Arabic …)
    OTHER_LANGUAGE = "other_language"  # another language in Latin letters (Uzbek, Turkish, French …)
    SYMBOLS = "symbols"  # no letter or digit at all (emoji, punctuation)
    CODE = "code"  # SQL, markup or script
    GIBBERISH = "gibberish"  # Latin letters that make no words


_CODE = re.compile(
    r"(?is)<\s*/?\s*(script|html|div|img|iframe|svg|a|body)\b|</\w+>|\bjavascript:|"
    r"\b(select|delete)\b.+\bfrom\b|\binsert\s+into\b|\bdrop\s+(table|database)\b|\bunion\s+select\b|"
    r"\bupdate\b.+\bset\b.+=|'\s*or\s+'?\d+'?\s*=\s*'?\d|;\s*--|\$\{.*\}|\{\{.*\}\}|"
    r"\b(import|from)\s+\w+\s+import\b|\bdef\s+\w+\(|\bfunction\s*\w*\(|\brm\s+-rf\b|\bsudo\s+\w+"
)
_WORD = re.compile(r"[a-z]+")
_CASE_REFERENCE = re.compile(r"\bprr-\d{4}-\d{1,6}\b", re.IGNORECASE)  # a case reference is not a word
_VOWELS = set("aeiouy")
_KEYBOARD_RUNS = (
    "qwert",
    "werty",
    "asdf",
    "sdfg",
    "dfgh",
    "fghj",
    "ghjk",
    "hjkl",
    "zxcv",
    "xcvb",
    "cvbn",
    "vbnm",
    "uiop",
    "yuio",
    "tyui",
)


# The commonest short words of languages staff or visitors may type in Latin letters, none of them
# an English word: two or more of one language, and more than the English ones, mark the message
# as that language. Names, places and intake answers contain none of them.
_OTHER_LANGUAGES = {
    "uz": {
        "salom",
        "assalomu",
        "alaykum",
        "qalaysiz",
        "qanday",
        "rahmat",
        "yaxshi",
        "nima",
        "bilan",
        "uchun",
        "kerak",
        "menga",
        "emas",
        "bormi",
        "qayerda",
    },
    "kk": {
        "sälem",
        "salem",
        "qalaisyz",
        "rahmet",
        "jaqsy",
        "qalai",
        "kerek",
        "maǵan",
        "magan",
        "joq",
        "ne",
        "qaıda",
        "qaida",
    },
    "tr": {
        "merhaba",
        "nasılsın",
        "nasilsin",
        "teşekkürler",
        "tesekkurler",
        "evet",
        "hayır",
        "hayir",
        "bir",
        "ve",
        "ile",
        "için",
        "icin",
        "değil",
        "degil",
        "nerede",
        "nedir",
    },
    "fr": {
        "bonjour",
        "merci",
        "ça",
        "ca",
        "va",
        "vous",
        "je",
        "est",
        "les",
        "des",
        "une",
        "avec",
        "oui",
        "très",
        "où",
        "qui",
        "quoi",
    },
    "de": {
        "guten",
        "danke",
        "wie",
        "geht",
        "ihnen",
        "ich",
        "und",
        "ist",
        "nicht",
        "das",
        "der",
        "bitte",
        "wo",
        "sie",
        "es",
    },
    "es": {
        "hola",
        "gracias",
        "cómo",
        "como",
        "estás",
        "estas",
        "qué",
        "que",
        "el",
        "los",
        "las",
        "por",
        "muy",
        "dónde",
        "donde",
        "usted",
    },
    "la": {"lorem", "ipsum", "dolor", "amet", "consectetur", "adipiscing", "elit", "eiusmod", "tempor"},
}
_ENGLISH_COMMON = {
    "the",
    "a",
    "an",
    "is",
    "are",
    "to",
    "of",
    "and",
    "in",
    "on",
    "for",
    "with",
    "what",
    "how",
    "who",
    "where",
    "when",
    "why",
    "can",
    "do",
    "does",
    "i",
    "you",
    "my",
    "me",
    "it",
    "this",
    "that",
    "we",
    "be",
    "please",
}


def _other_language(text: str) -> bool:
    words = re.findall(r"[^\W\d_]+", text.lower())
    english = sum(w in _ENGLISH_COMMON for w in words)
    foreign = max(len(set(words) & common) for common in _OTHER_LANGUAGES.values())
    return foreign >= 2 and foreign > english


def _letters(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch).startswith("L")]


def _latin(ch: str) -> bool:
    return "LATIN" in unicodedata.name(ch, "")


def _nonsense(word: str) -> bool:
    """A word no language written in Latin letters would have."""
    if len(word) >= 4 and len(set(word)) <= 2:
        return True  # "aaaa", "jjjjjjj"
    if len(word) >= 3 and not _VOWELS & set(word):
        return True
    if re.search(r"[^aeiouy]{5,}", word):
        return True
    return any(run in word for run in _KEYBOARD_RUNS)


def unreadable(text: str, vocabulary: frozenset[str] | set[str] = frozenset()) -> Unreadable | None:
    """Why no intent should be guessed for `text`; None when it reads like an English message.

    `vocabulary` (the words the assistant was trained on) spares known words the nonsense test.
    """
    text = (text or "").strip()
    if not text:
        return None
    letters = _letters(text)
    if not letters:
        return None if any(ch.isdigit() for ch in text) else Unreadable.SYMBOLS  # digits: dates, counts
    if sum(_latin(ch) for ch in letters) < len(letters) / 2:
        return Unreadable.OTHER_SCRIPT
    if _CODE.search(text):
        return Unreadable.CODE
    if _other_language(text):
        return Unreadable.OTHER_LANGUAGE
    every = _WORD.findall(_CASE_REFERENCE.sub(" ", text.lower()))
    words = [w for w in every if w not in vocabulary]
    if words and sum(_nonsense(w) for w in words) * 2 >= len(words) and len(words) * 2 >= len(every):
        return Unreadable.GIBBERISH
    return None
