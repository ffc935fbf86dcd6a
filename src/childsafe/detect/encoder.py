"""The static text encoder: a model2vec model distilled from all-MiniLM-L6-v2, run on numpy (no torch).

A text's embedding is the mean of its tokens' vectors, L2-normalised (as model2vec does), so a linear head on
it decomposes exactly into per-token contributions: that is what the classifier's cues are made of. Input is
expected to be normalised already (``childsafe.detect.normalize``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT_ENCODER_DIR", "Encoder", "TokenSpans"]

DEFAULT_ENCODER_DIR = Path(__file__).resolve().parent / "models" / "encoder"


@dataclass(frozen=True, slots=True)
class TokenSpans:
    """The tokens the encoder keeps for one text, with their character offsets in that text."""

    ids: np.ndarray  # (n,) int64
    starts: np.ndarray  # (n,) int64
    ends: np.ndarray  # (n,) int64


class Encoder:
    """Mean-pooled static token embeddings (float32 in memory; stored as float16)."""

    def __init__(self, embedding: np.ndarray, tokenizer: object, *, unk_id: int | None, name: str = "") -> None:
        self.embedding = np.ascontiguousarray(embedding, dtype=np.float32)
        self.tokenizer = tokenizer
        self.unk_id = unk_id
        self.name = name

    @classmethod
    def load(cls, directory: str | Path | None = None) -> Encoder:
        """Load a model2vec model directory from disk, never from the network."""
        path = Path(directory) if directory is not None else DEFAULT_ENCODER_DIR
        if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
            raise FileNotFoundError(f"no model2vec encoder (model.safetensors, tokenizer.json) in {path}")
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
        if self.unk_id is None:
            return [e.ids for e in encodings]
        unk = self.unk_id
        return [[i for i in e.ids if i != unk] for e in encodings]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32: unit-length mean token vectors; all zeros for a text with no known token."""
        return self.pool(self.token_ids(texts))

    def pool(self, ids: list[list[int]]) -> np.ndarray:
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        nonempty = np.flatnonzero(lengths)
        if nonempty.size == 0:
            return out
        flat = np.fromiter((t for i in nonempty for t in ids[i]), dtype=np.int64, count=int(lengths.sum()))
        starts = np.zeros(nonempty.size, dtype=np.int64)
        np.cumsum(lengths[nonempty][:-1], out=starts[1:])
        sums = np.add.reduceat(self.embedding[flat], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        out[nonempty] = sums / np.maximum(norms, 1e-12)
        return out

    def spans(self, text: str) -> TokenSpans:
        """The kept tokens of one text with their character offsets (slower than ``token_ids``: cues only)."""
        enc = self.tokenizer.encode(text, add_special_tokens=False)  # type: ignore[attr-defined]
        keep = [k for k, i in enumerate(enc.ids) if i != self.unk_id]
        ids = np.asarray([enc.ids[k] for k in keep], dtype=np.int64)
        starts = np.asarray([enc.offsets[k][0] for k in keep], dtype=np.int64)
        ends = np.asarray([enc.offsets[k][1] for k in keep], dtype=np.int64)
        return TokenSpans(ids, starts, ends)
