"""The static text encoder: a model2vec model distilled from all-MiniLM-L6-v2, run on numpy (no torch).

A text's embedding is the mean of its tokens' vectors, L2-normalised (as model2vec does), so a linear head on
it decomposes exactly into per-token contributions: that is what the classifier's cues are made of. Input is
expected to be normalised already (``childsafe.detect.normalize``).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT_ENCODER_DIR", "Encoder", "TokenSpans", "count_matrix"]

DEFAULT_ENCODER_DIR = Path(__file__).resolve().parent / "models" / "encoder"
_LOADED: dict[tuple, Encoder] = {}
_LOCK = threading.Lock()


def count_matrix(ids: Sequence[Sequence[int]], vocab: int):  # -> scipy.sparse.csr_matrix
    """(len(ids), vocab) float32 token counts, canonical CSR (sorted indices, no duplicates)."""
    from scipy import sparse

    n = len(ids)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, ids), dtype=np.int64, count=n), out=indptr[1:])
    flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=int(indptr[-1]))
    counts = sparse.csr_matrix((np.ones(flat.size, dtype=np.float32), flat, indptr), shape=(n, vocab))
    counts.sum_duplicates()
    return counts


@dataclass(frozen=True, slots=True)
class TokenSpans:
    """The tokens the encoder keeps for one text, with their character offsets in that text."""

    ids: list[int]
    starts: list[int]
    ends: list[int]


class Encoder:
    """Mean-pooled static token embeddings (float32 in memory; stored as float16)."""

    def __init__(self, embedding: np.ndarray, tokenizer: object, *, unk_id: int | None, name: str = "") -> None:
        self.embedding = np.ascontiguousarray(embedding, dtype=np.float32)
        self.tokenizer = tokenizer
        self.unk_id = unk_id
        self.name = name

    @classmethod
    def load(cls, directory: str | Path | None = None) -> Encoder:
        """Load a model2vec model directory from disk, never from the network.

        Loaded encoders are read-only and shared: loading the same unchanged files again returns the same object."""
        path = (Path(directory) if directory is not None else DEFAULT_ENCODER_DIR).resolve()
        if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
            raise FileNotFoundError(f"no model2vec encoder (model.safetensors, tokenizer.json) in {path}")
        key = (
            str(path),
            *((f.stat().st_size, f.stat().st_mtime_ns) for f in (path / "model.safetensors", path / "tokenizer.json")),
        )
        with _LOCK:
            cached = _LOADED.get(key)
        if cached is None:
            cached = cls._read(path)
            with _LOCK:
                _LOADED[key] = cached
        return cached

    @classmethod
    def _read(cls, path: Path) -> Encoder:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from model2vec import StaticModel

        model = StaticModel.from_pretrained(path, force_download=False)
        if model.token_mapping is not None or model.weights is not None:
            raise ValueError(f"{path}: vocabulary-quantised model2vec models are not supported")
        tokenizer = model.tokenizer
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return cls(model.embedding, tokenizer, unk_id=model.unk_token_id, name=path.name)

    @property
    def dim(self) -> int:
        return int(self.embedding.shape[1])

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        encodings = self.tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)  # type: ignore[attr-defined]
        return self.ids_of(encodings)

    def tokenize(self, texts: Sequence[str]) -> list:
        """``tokenizers.Encoding`` objects with offsets (``ids_of`` and ``spans_of`` read them)."""
        return self.tokenizer.encode_batch(list(texts), add_special_tokens=False)  # type: ignore[attr-defined]

    def ids_of(self, encodings: Sequence) -> list[list[int]]:
        if self.unk_id is None:
            return [e.ids for e in encodings]
        unk = self.unk_id
        return [[i for i in e.ids if i != unk] for e in encodings]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32: unit-length mean token vectors; all zeros for a text with no known token."""
        return self.pool(self.token_ids(texts))

    def pool(self, ids: Sequence[Sequence[int]]) -> np.ndarray:
        return self.pool_counts(count_matrix(ids, self.embedding.shape[0]))

    def pool_counts(self, counts) -> np.ndarray:  # counts: scipy.sparse.csr_matrix from count_matrix
        """Unit-length sums of token vectors (= unit-length means); zeros for a row with no token."""
        sums = np.asarray(counts @ self.embedding, dtype=np.float32)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)

    def spans_of(self, encoding) -> TokenSpans:  # encoding: tokenizers.Encoding
        pairs = [(i, o) for i, o in zip(encoding.ids, encoding.offsets, strict=True) if i != self.unk_id]
        return TokenSpans([i for i, _ in pairs], [o[0] for _, o in pairs], [o[1] for _, o in pairs])

    def token_spans(self, texts: Sequence[str]) -> list[TokenSpans]:
        """The kept tokens of each text with their character offsets (one batched tokenisation)."""
        return [self.spans_of(e) for e in self.tokenize(texts)]

    def spans(self, text: str) -> TokenSpans:
        return self.token_spans([text])[0]
