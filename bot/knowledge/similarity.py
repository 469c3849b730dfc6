"""A second opinion on BM25's best few sections: character n-gram tf-idf of the whole section.

BM25 matches whole lemmas, so "financing" and "finance", "adapt" and "adaptation", or a typo the
speller left alone count as different words, and a long question's many words can lift a section
that mentions them in passing. Cosine similarity of character 3–5-grams (sublinear tf, idf over
the corpus) between the question and the section's title, asks, tags and text matches parts of
words and favours the section whose vocabulary the question shares as a whole. It only re-orders
the candidates BM25 found (see ranking.rerank), so it costs a few rows of a sparse matrix per
question even at 10,000 sections, and it never makes an unfound section appear.
"""

from __future__ import annotations

import numpy as np

from bot.knowledge import analyzer

NGRAMS = (3, 5)


class CharNgramIndex:
    def __init__(self, documents: list[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer  # late: slow to import

        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, dtype=np.float32)
        self._matrix = self._vectorizer.fit_transform([analyzer.normalise(d) for d in documents]) if documents else None

    def similarities(self, question: str, rows: list[int]) -> np.ndarray:
        """Cosine similarity (0–1) of the question to each of the given sections (by index)."""
        if self._matrix is None or not rows:
            return np.zeros(len(rows))
        vector = self._vectorizer.transform([analyzer.normalise(analyzer.cut(question))])
        return (self._matrix[rows] @ vector.T).toarray().ravel()
