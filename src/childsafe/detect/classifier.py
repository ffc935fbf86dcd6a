"""The message classifier: per-category linear heads on a static encoder, with the words that drove each flag.

A message is normalised (``normalize``), tokenised by the encoder's WordPiece tokenizer, and turned into two
feature blocks: the unit-length mean of its token vectors (semantic) and a sublinear TF-IDF vector over the same
tokens (lexical). Each head is one logistic regression over both blocks. Both blocks are sums over tokens, so a
head's logit splits exactly into per-token contributions; the cues of a flagged message are the words with the
largest contributions, mapped back to the message as it was sent.

Artefacts (``models/`` by default): ``heads.npz`` (plain arrays, no pickle), ``heads.json`` (head names,
categories, thresholds, version, data and file digests) and the encoder directory. Only numpy and the
``tokenizers`` runtime of model2vec are needed; torch is not.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from childsafe.detect.encoder import DEFAULT_ENCODER_DIR, Encoder
from childsafe.detect.normalize import MAX_TEXT_CHARS, TextTooLong, normalize, normalize_with_offsets
from childsafe.errors import InvalidInput

__all__ = [
    "DEFAULT_MODEL_DIR",
    "HEADS",
    "HEAD_CATEGORIES",
    "SUPPORT_HEADS",
    "Cue",
    "TextClassifier",
    "TextResult",
    "default_classifier",
    "file_sha256",
]

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models"

# The shipped heads, and the RiskCategory codes (childsafe.vocabulary.taxonomy) a flag on each maps to.
HEADS: tuple[str, ...] = (
    "sexual",
    "sexual_minors",
    "sexual_solicitation",
    "harassment",
    "hate",
    "violence",
    "self_harm_intent",
    "self_harm_help_seeking",
)
HEAD_CATEGORIES: dict[str, tuple[str, ...]] = {
    "sexual": ("adult_content",),
    "sexual_minors": ("csam", "grooming"),
    "sexual_solicitation": ("sexting", "grooming"),
    "harassment": ("cyberbullying",),
    "hate": ("hate",),
    "violence": ("violent_content",),
    "self_harm_intent": ("self_harm",),
    # Someone asking for help: a reason to offer support, never to remove or sanction. No risk category.
    "self_harm_help_seeking": (),
}
SUPPORT_HEADS = frozenset({"self_harm_help_seeking"})

_MAX_CUES = 3
_CUE_SHARE = 0.25  # a word is a cue when it carries at least this share of the strongest word's contribution


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Cue:
    """A word or span of the original text that pushed ``category`` (a head name) over its threshold."""

    category: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class TextResult:
    scores: dict[str, float]
    flagged: list[str]
    categories: list[str]
    cues: list[Cue]
    model_version: str
    language: str | None = None
    support: list[str] = field(default_factory=list)

    @property
    def harmful(self) -> list[str]:
        """The flagged heads that are risks (not support signals such as help-seeking)."""
        return [h for h in self.flagged if h not in self.support]


@dataclass(frozen=True, slots=True)
class HeadInfo:
    name: str
    categories: tuple[str, ...]
    kind: str  # "harm" or "support"
    threshold: float


class TextClassifier:
    """Loaded heads + encoder. Thread-safe for scoring (read-only after load)."""

    def __init__(
        self,
        encoder: Encoder,
        heads: Sequence[HeadInfo],
        *,
        w_emb: np.ndarray,
        w_tok: np.ndarray,
        bias: np.ndarray,
        idf: np.ndarray,
        alpha: float,
        model_version: str,
        meta: dict | None = None,
    ) -> None:
        self.encoder = encoder
        self.heads = tuple(heads)
        self.names = tuple(h.name for h in self.heads)
        self.w_emb_t = np.ascontiguousarray(w_emb.T, dtype=np.float32)  # (dim, H)
        self.w_tok = np.ascontiguousarray(w_tok, dtype=np.float32)  # (V, H)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.idf = np.asarray(idf, dtype=np.float32)
        self.alpha = float(alpha)
        self.thresholds = np.asarray([h.threshold for h in self.heads], dtype=np.float64)
        self.model_version = model_version
        self.meta = meta or {}
        self._support = [h.name for h in self.heads if h.kind == "support"]
        vocab = self.idf.shape[0]
        if self.w_tok.shape != (vocab, len(self.heads)) or self.w_emb_t.shape != (encoder.dim, len(self.heads)):
            raise ValueError("heads do not match the encoder (vocabulary or dimension)")
        if encoder.embedding.shape[0] != vocab:
            raise ValueError("heads were trained with a different encoder vocabulary")

    # --- loading ---------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: str | Path | None = None, *, verify: bool = True) -> TextClassifier:
        """Load ``heads.npz``/``heads.json`` from ``directory`` (default: the committed model).

        The encoder is ``directory/encoder`` when present, else the committed one; with ``verify`` the sha256 of
        every encoder file and of ``heads.npz`` must match those recorded in ``heads.json``.
        """
        path = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
        meta = json.loads((path / "heads.json").read_text(encoding="utf-8"))
        if meta.get("format") != 1:
            raise ValueError(f"{path / 'heads.json'}: unsupported format {meta.get('format')!r}")
        enc_dir = path / "encoder" if (path / "encoder").is_dir() else DEFAULT_ENCODER_DIR
        if verify:
            expected = {"heads.npz": meta["files"]["heads.npz"]}
            mismatched = [n for n, h in expected.items() if file_sha256(path / n) != h]
            for name, digest in meta["encoder"]["files"].items():
                if file_sha256(enc_dir / name) != digest:
                    mismatched.append(f"encoder/{name}")
            if mismatched:
                raise ValueError(f"model files do not match the sha256 in {path / 'heads.json'}: {mismatched}")
        with np.load(path / "heads.npz", allow_pickle=False) as arrays:
            w_emb, w_tok, bias, idf = arrays["w_emb"], arrays["w_tok"], arrays["bias"], arrays["idf"]
        heads = [HeadInfo(h["name"], tuple(h["categories"]), h["kind"], float(h["threshold"])) for h in meta["heads"]]
        return cls(
            Encoder.load(enc_dir),
            heads,
            w_emb=w_emb,
            w_tok=w_tok,
            bias=bias,
            idf=idf,
            alpha=meta["features"]["tfidf_weight"],
            model_version=meta["model_version"],
            meta=meta,
        )

    # --- scoring ---------------------------------------------------------------------------------------------

    def logits_from_ids(self, ids: list[list[int]]) -> np.ndarray:
        """(n, H) head logits for tokenised, normalised texts."""
        emb = self.encoder.pool(ids)
        out = emb @ self.w_emb_t
        out += self.bias
        rows, cols, data = tfidf_rows(ids, self.idf)
        if data.size:
            contrib = (data * self.alpha)[:, None] * self.w_tok[cols]
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            out[rows[starts]] += np.add.reduceat(contrib, starts, axis=0)
        return out

    def score(self, texts: Sequence[str], *, cues: bool = True) -> list[TextResult]:
        """Score a batch of messages. Raises ``TextTooLong`` (a 422) for a message over ``MAX_TEXT_CHARS``."""
        if isinstance(texts, str):
            raise TypeError("score() takes a sequence of texts; wrap a single message in a list")
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise InvalidInput(f"texts[{i}] is not a string", field=f"texts[{i}]")
            if len(t) > MAX_TEXT_CHARS:
                raise TextTooLong(len(t), field=f"texts[{i}]")
        if not texts:
            return []
        normalized = [normalize(t) for t in texts]
        ids = self.encoder.token_ids(normalized)
        probs = _sigmoid(self.logits_from_ids(ids))
        over = probs >= self.thresholds
        results = []
        for i, text in enumerate(texts):
            row = probs[i]
            flagged = [self.names[k] for k in np.flatnonzero(over[i])]
            categories: list[str] = []
            for k in np.flatnonzero(over[i]):
                for c in self.heads[k].categories:
                    if c not in categories:
                        categories.append(c)
            text_cues = self.cues(text, flagged) if (cues and flagged) else []
            results.append(
                TextResult(
                    scores={n: float(row[k]) for k, n in enumerate(self.names)},
                    flagged=flagged,
                    categories=categories,
                    cues=text_cues,
                    model_version=self.model_version,
                    support=[h for h in flagged if h in self._support],
                )
            )
        return results

    def score_one(self, text: str) -> TextResult:
        return self.score([text])[0]

    # --- explanations ----------------------------------------------------------------------------------------

    def cues(self, text: str, heads: Sequence[str], *, limit: int = _MAX_CUES) -> list[Cue]:
        """For each head, the words of ``text`` (original offsets) that contributed most to its logit."""
        norm, origin = normalize_with_offsets(text)
        spans = self.encoder.spans(norm)
        if spans.ids.size == 0:
            return []
        enc = self.encoder.embedding
        total = enc[spans.ids].sum(axis=0)
        norm_emb = float(np.linalg.norm(total)) or 1.0
        uniq, inverse, counts = np.unique(spans.ids, return_inverse=True, return_counts=True)
        tf = (1.0 + np.log(counts)) * self.idf[uniq]
        norm_tf = float(np.linalg.norm(tf)) or 1.0
        # Words: maximal runs of non-space characters of the normalised text; tokens belong to the word they start in.
        words = [_trim(norm, m.start(), m.end()) for m in re.finditer(r"\S+", norm)]
        word_starts = np.asarray([s for s, _ in words], dtype=np.int64)
        token_word = np.searchsorted(word_starts, spans.starts, side="right") - 1
        out: list[Cue] = []
        for head in heads:
            k = self.names.index(head)
            per_token = enc[spans.ids] @ self.w_emb_t[:, k] / norm_emb
            tok_part = self.alpha * tf * self.w_tok[uniq, k] / norm_tf / counts
            per_token = per_token + tok_part[inverse]
            per_word = np.bincount(token_word, weights=per_token, minlength=len(words))
            order = np.argsort(-per_word)
            top = per_word[order[0]] if order.size else 0.0
            for w in order[:limit]:
                if per_word[w] <= 0 or per_word[w] < _CUE_SHARE * top:
                    break
                s, e = words[w]
                start, end = origin[s], origin[e - 1] + 1
                out.append(Cue(head, start, end, text[start:end]))
        return out


_EDGE_PUNCT = frozenset(".,;:!?\"'()[]{}<>«»\u201c\u201d\u2018\u2019\u2026-_*~")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` without punctuation at its edges (unless that would leave nothing)."""
    s, e = start, end
    while s < e and text[s] in _EDGE_PUNCT:
        s += 1
    while e > s and text[e - 1] in _EDGE_PUNCT:
        e -= 1
    return (s, e) if s < e else (start, end)


def tfidf_rows(ids: list[list[int]], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sublinear, L2-normalised TF-IDF of token-id lists as sorted COO triples (rows, cols, data)."""
    vocab = idf.shape[0]
    lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
    total = int(lengths.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    flat = np.fromiter((t for x in ids for t in x), dtype=np.int64, count=total)
    row_of = np.repeat(np.arange(len(ids), dtype=np.int64), lengths)
    keys, counts = np.unique(row_of * vocab + flat, return_counts=True)
    rows, cols = keys // vocab, keys % vocab
    data = ((1.0 + np.log(counts)) * idf[cols]).astype(np.float32)
    norms = np.sqrt(np.bincount(rows, weights=data.astype(np.float64) ** 2, minlength=len(ids)))
    data /= np.maximum(norms[rows], 1e-12).astype(np.float32)
    return rows, cols, data


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x.astype(np.float64), -60.0, 60.0)))


_default: TextClassifier | None = None
_default_lock = threading.Lock()


def default_classifier() -> TextClassifier:
    """The committed model, loaded once per process."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = TextClassifier.load()
    return _default
