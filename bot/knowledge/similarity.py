"""A second opinion on BM25's best few sections: character n-gram tf-idf of the whole section.

BM25 matches whole lemmas, so "financing" and "finance", "adapt" and "adaptation", or a typo the
speller left alone count as different words, and a long question's many words can lift a section
that mentions them in passing. Cosine similarity of character 3–5-grams (sublinear tf, idf over
the corpus) between the question and the section's title, asks, tags and text matches parts of
words and favours the section whose wording the question shares as a whole. It only re-orders
the candidates BM25 found (see ranking.rerank), so a question costs a dot product with a few
rows of a sparse matrix even at 10,000 sections, and it never makes an unfound section appear.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from bot.knowledge import analyzer

NGRAMS = (3, 5)


class CharNgramIndex:
    def __init__(self, documents: list[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer  # late: slow to import

        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, dtype=np.float32)
        self._matrix = vectorizer.fit_transform([analyzer.normalise(d) for d in documents]) if documents else None
        self._ngrams = vectorizer.build_analyzer()
        self._column = vectorizer.vocabulary_ if documents else {}
        self._idf = vectorizer.idf_ if documents else np.zeros(0)

    def similarities(self, question: str, rows: list[int]) -> np.ndarray:
        """Cosine similarity (0–1) of the question to each of the given sections (by index)."""
        if self._matrix is None or not rows:
            return np.zeros(len(rows))
        # The question's vector, weighted as the vectorizer weighs a section; built here rather
        # than with vectorizer.transform, which costs about a millisecond per call.
        counts = Counter(self._ngrams(analyzer.normalise(analyzer.cut(question))))
        weights = {}
        for ngram, count in counts.items():
            column = self._column.get(ngram)
            if column is not None:
                weights[column] = (1 + math.log(count)) * self._idf[column]
        if not weights:
            return np.zeros(len(rows))
        query = np.zeros(self._matrix.shape[1], dtype=np.float32)
        query[list(weights)] = list(weights.values())
        query /= np.linalg.norm(query)
        data, indices, starts = self._matrix.data, self._matrix.indices, self._matrix.indptr
        return np.array([data[starts[r] : starts[r + 1]] @ query[indices[starts[r] : starts[r + 1]]] for r in rows])
