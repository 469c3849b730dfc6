"""Turn text into search terms: domain thesaurus, blank spaCy pipeline, lookup lemmatizer.

No pretrained pipeline can be downloaded here, so lemmas come from spacy-lookups-data. The
thesaurus (thesaurus_en.yml) rewrites practitioners' words to the corpus's words before
lemmas are taken, in sections and questions alike; `fingerprint()` changes when it does, so
that a reload re-analyses every section.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import yaml

MAX_QUERY_CHARS = 1000  # a pasted page must not stall a turn; the start says what it is about
THESAURUS = Path(__file__).with_name("thesaurus_en.yml")
# Words that frame a question but say nothing about its subject; left in, they would count as
# "not covered" and make the assistant abstain on a fair question.
QUESTION_FILLERS = frozenset(
    "tell know explain information info please exist need want like give thing stuff kind way "
    "question ask let help guidance mean say does do can could should would must happen get go".split()
)
# "a 14-year-old", "15 yr old": the number stays (it may matter), and the word child is added.
_AGE = re.compile(r"\b(\d{1,2})\s*-?\s*(?:years?|yrs?)\s*-?\s*old\b")
ADULT_AGE = 18


@lru_cache(maxsize=1)
def _pipeline():
    import spacy  # imported late: it is slow to import and only search needs it

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


# In a ring, "put … on trial" stands for the phrase with one to three words in the gap ("put a
# returnee's spouse on trial"): the words in the gap are kept, after the ring's first entry.
GAP = "…"
_GAP_WORDS = r"((?:[\w'’-]+\s+){1,3}?)"


@lru_cache(maxsize=1)
def _rings() -> list[list[str]]:
    return [
        [str(member).lower() for member in ring]
        for ring in yaml.safe_load(THESAURUS.read_text(encoding="utf-8"))["rings"]
    ]


@lru_cache(maxsize=1)
def _thesaurus() -> tuple[re.Pattern, dict[str, str]]:
    canonical = {member: ring[0] for ring in _rings() for member in ring if GAP not in member}
    alternatives = sorted(canonical, key=len, reverse=True)  # the longest phrase wins
    pattern = "|".join(re.escape(m).replace(r"\ ", r"\s+") + "(?:e?s)?" for m in alternatives)
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])"), canonical


@lru_cache(maxsize=1)
def _gapped() -> list[tuple[re.Pattern, str]]:
    """Each phrase with a gap, as a pattern and what it becomes (the ring's first entry, then the gap)."""
    out = []
    for ring in _rings():
        for member in ring:
            if GAP in member:
                head, tail = (re.escape(part.strip()).replace(r"\ ", r"\s+") for part in member.split(GAP, 1))
                out.append((re.compile(rf"(?<![\w-]){head}\s+{_GAP_WORDS}{tail}(?![\w-])"), ring[0]))
    return out


def thesaurus_words() -> frozenset[str]:
    """Every word the thesaurus knows: these are not typos."""
    return frozenset(w for ring in _rings() for member in ring for w in re.findall(r"[a-z]+", member))


# Bumped when the way terms are made changes, so that a reload re-analyses every section.
ANALYZER_VERSION = "3"


def fingerprint() -> str:
    return hashlib.sha256(THESAURUS.read_bytes() + ANALYZER_VERSION.encode()).hexdigest()[:16]


def _canonical_word(match: re.Match) -> str:
    found = " ".join(match.group(0).lower().split())
    canonical = _thesaurus()[1]
    for candidate in (found, found[:-1], found[:-2]):  # as written, or without a plural s / es
        if candidate in canonical:
            return canonical[candidate]
    return found


def _with_age_as_child(match: re.Match) -> str:
    return f"{match.group(0)} child" if int(match.group(1)) < ADULT_AGE else match.group(0)


def normalise(text: str) -> str:
    """Lowercased, ages marked as children, thesaurus phrases rewritten to the corpus's words."""
    text = _AGE.sub(_with_age_as_child, text.lower())
    for gapped, first in _gapped():
        text = gapped.sub(rf"{first} \1", text)
    pattern, _ = _thesaurus()
    return pattern.sub(_canonical_word, text)


def terms(text: str) -> list[str]:
    """Lemmas of the content words; stop words and punctuation dropped."""
    doc = _pipeline()(normalise(text))
    out = []
    for token in doc:
        if token.is_stop or token.is_punct or token.is_space:
            continue
        lemma = token.lemma_.strip() or token.text
        if any(ch.isalnum() for ch in lemma):
            out.append(lemma)
    return out


def cut(query: str) -> str:
    if len(query) > MAX_QUERY_CHARS:  # cut at a word boundary: half a word would count as unknown
        query = query[:MAX_QUERY_CHARS].rsplit(None, 1)[0]
    return query


_SENTENCE_END = re.compile(r"(?<=[.?!:;])\s+")


def focus_terms(query: str) -> set[str]:
    """The terms of a question's last sentence, when it has more than one: what is asked."""
    sentences = [s for s in _SENTENCE_END.split(cut(query)) if s.strip()]
    return set(query_terms(sentences[-1])) if len(sentences) > 1 else set()


def query_terms(query: str) -> list[str]:
    return [t for t in terms(cut(query)) if t not in QUESTION_FILLERS]
