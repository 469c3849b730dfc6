"""BM25 ranking over three fields (text, title, tags) with an abstain rule.

Kept free of I/O: the index is built from already-analysed sections.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

K1 = 1.2
B = 0.75
FIELD_WEIGHTS = {"text": 1.0, "title": 1.5, "tags": 1.5}
# Abstain unless the best section both scores well and covers most of what was asked.
MIN_SCORE = 3.0
MIN_COVERAGE = 0.45


@dataclass(frozen=True)
class IndexedSection:
    id: str
    fields: dict  # field name -> list of terms


@dataclass(frozen=True)
class Ranked:
    id: str
    score: float
    coverage: float


class Bm25Index:
    def __init__(self, sections: list[IndexedSection]):
        self.ids = [s.id for s in sections]
        self._postings: dict[str, dict[str, list[tuple[int, int]]]] = {f: defaultdict(list) for f in FIELD_WEIGHTS}
        self._lengths = {f: [0] * len(sections) for f in FIELD_WEIGHTS}
        self._avg = {}
        for idx, section in enumerate(sections):
            for field in FIELD_WEIGHTS:
                toks = section.fields.get(field, [])
                self._lengths[field][idx] = len(toks)
                for term, tf in Counter(toks).items():
                    self._postings[field][term].append((idx, tf))
        for field in FIELD_WEIGHTS:
            total = sum(self._lengths[field])
            self._avg[field] = (total / len(sections)) if sections else 0.0
        self._df = Counter()
        for idx, section in enumerate(sections):
            for term in set().union(*(section.fields.get(f, []) for f in FIELD_WEIGHTS)):
                self._df[term] += 1

    def idf(self, term: str) -> float:
        n, df = len(self.ids), self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def rank(self, query: list[str], k: int = 5) -> list[Ranked]:
        if not query or not self.ids:
            return []
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, set] = defaultdict(set)
        unique = list(dict.fromkeys(query))
        for term in unique:
            idf = self.idf(term)
            for field, weight in FIELD_WEIGHTS.items():
                avg = self._avg[field] or 1.0
                for idx, tf in self._postings[field].get(term, ()):
                    length = self._lengths[field][idx]
                    norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
                    scores[idx] += weight * idf * norm
                    matched[idx].add(term)
        total_idf = sum(self.idf(t) for t in unique) or 1.0
        ranked = [
            Ranked(self.ids[idx], round(score, 4), round(sum(self.idf(t) for t in matched[idx]) / total_idf, 4))
            for idx, score in scores.items()
        ]
        ranked.sort(key=lambda r: (-r.score, r.id))
        return ranked[:k]


def is_reliable(best: Ranked | None) -> bool:
    return best is not None and best.score >= MIN_SCORE and best.coverage >= MIN_COVERAGE
