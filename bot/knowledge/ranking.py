"""BM25 ranking over three fields (text, title, tags) with an abstain rule.

Kept free of I/O: the index is built from already-analysed sections. Each term's weight in each
section (the three fields' BM25 parts, weighted and summed) is computed once at build time and
kept in numpy arrays, so a query costs one vector add per query term.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

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
        n = len(sections)
        lengths = {f: np.array([len(s.fields.get(f, [])) for s in sections], dtype=float) for f in FIELD_WEIGHTS}
        averages = {f: (lengths[f].mean() if n and lengths[f].mean() else 1.0) for f in FIELD_WEIGHTS}
        weights: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for idx, section in enumerate(sections):
            for field, field_weight in FIELD_WEIGHTS.items():
                length = lengths[field][idx]
                for term, tf in Counter(section.fields.get(field, [])).items():
                    norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / averages[field]))
                    weights[term][idx] += field_weight * norm
        self._postings = {term: (np.fromiter(docs.keys(), dtype=np.int64, count=len(docs)),
                                 np.fromiter(docs.values(), dtype=float, count=len(docs)))
                          for term, docs in weights.items()}
        self._idf = {term: math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5)) for term, docs in weights.items()}
        self._n = n

    def idf(self, term: str) -> float:
        return self._idf.get(term, math.log(1 + (self._n + 0.5) / 0.5))

    def rank(self, query: list[str], k: int = 5) -> list[Ranked]:
        if not query or not self._n:
            return []
        unique = list(dict.fromkeys(query))
        scores = np.zeros(self._n)
        covered = np.zeros(self._n)
        for term in unique:
            if term in self._postings:
                docs, weights = self._postings[term]
                idf = self._idf[term]
                scores[docs] += idf * weights
                covered[docs] += idf
        hits = np.flatnonzero(scores)
        if not hits.size:
            return []
        total_idf = sum(self.idf(t) for t in unique) or 1.0
        top = hits[np.argsort(-scores[hits], kind="stable")][: max(k, 1) * 4]
        ranked = [Ranked(self.ids[i], round(float(scores[i]), 4), round(float(covered[i]) / total_idf, 4)) for i in top]
        ranked.sort(key=lambda r: (-r.score, r.id))
        return ranked[:k]


def is_reliable(best: Ranked | None) -> bool:
    return best is not None and best.score >= MIN_SCORE and best.coverage >= MIN_COVERAGE
