"""A third opinion on BM25's best few sections: what the question means, not how it is spelt.

BM25 and the character n-grams match the question's words; "put a returnee's spouse on trial"
and "prosecuting women who came back" share none. Static word vectors know that such words
are near in meaning: a text's vector is the mean of its tokens' vectors, and the cosine of the
question's and a section's vectors says how close they are in meaning. Like the character
n-grams, it only re-orders the candidates BM25 found (ranking.rerank).

The vectors are WordLlama's "l2_supercat" (256 dimensions over the Llama 2 tokenizer's 32,000
tokens, MIT licence), which arrive with the `wordllama` package from PyPI: its weights and its
tokenizer are files inside the package, so nothing is downloaded at run time. Only those files
are read here; the package's own code wants pydantic 2, and this environment has spaCy's
pydantic 1, so it is never imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from bot.knowledge.shared import loaded_once

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"


def _package_directory() -> Path:
    # find_spec locates the package without running its __init__ (which would import pydantic 2).
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the wordllama package (word vectors for search) is not installed: run `make install`")
    return Path(next(iter(spec.submodule_search_locations)))


class WordVectors:
    """Token vectors and the tokenizer that cuts text into those tokens."""

    def __init__(self, directory: Path | None = None):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = directory or _package_directory()
        self._tokenizer = Tokenizer.from_file(str(directory / TOKENIZER))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        # Kept as stored (float16, 16 MB); a text's few rows are widened to float32 to be averaged.
        (self._table,) = load_file(str(directory / WEIGHTS)).values()

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length vector per text (all zeros for a text with no tokens)."""
        vectors = np.zeros((len(texts), self._table.shape[1]), dtype=np.float32)
        for row, encoding in enumerate(self._tokenizer.encode_batch(texts, add_special_tokens=False)):
            if encoding.ids:
                mean = self._table[encoding.ids].astype(np.float32).mean(axis=0)
                norm = float(np.linalg.norm(mean))
                vectors[row] = mean / norm if norm else mean
        return vectors


# The one WordVectors of this process (16 MB of vectors, loaded in about 0.1 s on first use).
word_vectors = loaded_once(WordVectors)


class MeaningIndex:
    def __init__(self, documents: list[str], vectors: WordVectors | None = None):
        self._vectors = vectors or word_vectors()
        self._matrix = self._vectors.embed(documents) if documents else np.zeros((0, 1), dtype=np.float32)

    def similarities(self, question: str, rows: list[int]) -> np.ndarray:
        """Cosine similarity of the question to each of the given sections (by index); a negative
        cosine (unrelated) counts as 0."""
        if not rows or not len(self._matrix):
            return np.zeros(len(rows))
        query = self._vectors.embed([question])[0]
        return np.clip(self._matrix[rows] @ query, 0.0, None).astype(float)
