"""Typo tolerance: a misspelt word of a question is replaced by the closest word of the corpus.

Only words that are neither in the corpus nor English words are touched (the English lexicon is
spacy-lookups-data's lemma tables, already installed), and only when a corpus word is close
enough for its length (rapidfuzz's Indel similarity): "weather" stays "weather", so a question
on another topic stays unknown and the assistant can still decline.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

MIN_LENGTH = 4  # shorter words have too many close neighbours to guess from
CACHE_SIZE = 10_000
_WORD = re.compile(r"[a-z]+")
# Spellings by ear that edit distance alone scores too far from the word meant.
_BY_EAR = ((re.compile(r"(?<=[a-z]{3})sh[uo]n(?=s?\b)"), "tion"),)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """About 120,000 English words: WordNet's base forms and their inflections."""
    import spacy_lookups_data
    from spacy.lang.en.stop_words import STOP_WORDS

    folder = spacy_lookups_data.__path__[0] + "/data/"
    with gzip.open(folder + "en_lemma_index.json.gz") as index, gzip.open(folder + "en_lemma_lookup.json.gz") as lookup:
        words = {w for by_pos in json.load(index).values() for w in by_pos} | set(json.load(lookup))
    return frozenset(words | STOP_WORDS)


def cutoff(word: str) -> float:
    """How similar (0–100) a corpus word must be: stricter for short words."""
    return 86.0 if len(word) <= 5 else 80.0 if len(word) <= 8 else 75.0


class Speller:
    def __init__(self, vocabulary: set[str] | frozenset[str], lexicon: frozenset[str] | None = None):
        self.vocabulary = frozenset(vocabulary)
        self.lexicon = english_words() if lexicon is None else lexicon
        self._choices = sorted(self.vocabulary)
        self._seen: dict[str, str] = {}  # an unknown word is looked up among the corpus's once

    def correct_word(self, word: str) -> str:
        if len(word) < MIN_LENGTH or word in self.vocabulary or word in self.lexicon or not self._choices:
            return word
        if word not in self._seen:
            if len(self._seen) > CACHE_SIZE:
                self._seen.clear()
            self._seen[word] = self._closest(word)
        return self._seen[word]

    def _closest(self, word: str) -> str:
        for pattern, replacement in _BY_EAR:
            heard = pattern.sub(replacement, word)
            if heard in self.vocabulary:
                return heard
        # Indel similarity finds the close words; of those, the fewest edits wins ("coersion" is one
        # substitution from "coercion", but Indel ranks "conversion", which holds all its letters).
        close = process.extract(word, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff(word), limit=8)
        if not close:
            return word
        return min(close, key=lambda c: (DamerauLevenshtein.distance(word, c[0]), -c[1], c[0]))[0]

    def knows_no_word_of(self, text: str) -> bool:
        """Whether the text has words and none is English or the corpus's: random letters, or a
        name alone."""
        words = _WORD.findall(text.lower())
        return bool(words) and not any(w in self.vocabulary or w in self.lexicon for w in words)

    def is_domain_word(self, term: str) -> bool:
        """A term of the field rather than of everyday English: "vera-2r", "2396", "zhusan"."""
        return any(ch.isdigit() for ch in term) or not (set(re.findall(r"[a-z]+", term)) <= self.lexicon)

    def correct(self, text: str) -> str:
        """The text, lowercased, with every misspelt word replaced by its corpus word."""
        return _WORD.sub(lambda m: self.correct_word(m.group(0)), text.lower())


def vocabulary(texts) -> set[str]:
    words: set[str] = set()
    for text in texts:
        words.update(_WORD.findall(text.lower()))
    return words
