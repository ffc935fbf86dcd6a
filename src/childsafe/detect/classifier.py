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

import bisect
import hashlib
import json
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from childsafe.detect.encoder import DEFAULT_ENCODER_DIR, Encoder, TokenSpans, count_matrix
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
_SMALL_BATCH = 4  # up to this many texts, score them one by one with plain numpy
_CUE_SHARE = 0.25  # a word is a cue when it carries at least this share of the strongest word's contribution


_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of a file (remembered per path, size and modification time within the process)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    digest = _DIGESTS.get(key)
    if digest is None:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        digest = _DIGESTS[key] = h.hexdigest()
    return digest


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
        self._idf_list: list[float] = self.idf.tolist()
        self._threshold_list: list[float] = self.thresholds.tolist()
        self._proj = np.ascontiguousarray(encoder.embedding @ self.w_emb_t)  # (V, H): each token's E[t] . w_emb
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

    def logits_from_ids(self, ids: Sequence[Sequence[int]]) -> np.ndarray:
        """(n, H) head logits for tokenised, normalised texts."""
        return self._forward(ids)[0]

    def _forward(self, ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, list[float]]:
        """Logits, and the length of each text's summed token vector (the cues reuse it)."""
        if len(ids) <= _SMALL_BATCH:
            rows, norms = [], []
            for x in ids:
                row, n = self._forward_one(x)
                rows.append(row)
                norms.append(n)
            return (np.vstack(rows) if rows else np.zeros((0, len(self.heads)))), norms
        counts = count_matrix(ids, self.idf.shape[0])  # sparse products: fast for batches, costly to set up
        sums = np.asarray(counts @ self.encoder.embedding, dtype=np.float32)
        norms = np.linalg.norm(sums, axis=1)
        out = (sums @ self.w_emb_t) / np.maximum(norms, 1e-30)[:, None]
        out += self.bias
        out += self.alpha * np.asarray(tfidf_from_counts(counts, self.idf) @ self.w_tok)
        return out, norms.tolist()

    def _forward_one(self, ids: Sequence[int]) -> tuple[np.ndarray, float]:
        """The same for one text with few numpy calls (scipy's set-up costs more than the maths)."""
        if not ids:
            return self.bias.astype(np.float64), 0.0
        total = self.encoder.embedding[ids].sum(axis=0)
        counts = Counter(ids)
        uniq = list(counts)
        idf = self._idf_list
        tf = [(1.0 + math.log(c)) * idf[t] for t, c in counts.items()]
        scale = self.alpha / (math.sqrt(sum(v * v for v in tf)) or 1.0)
        norm = math.sqrt(float(total @ total))
        tok = np.asarray(tf, dtype=np.float32) @ self.w_tok[uniq]
        return (self._proj[ids].sum(axis=0)) / (norm or 1.0) + self.bias + scale * tok, norm

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
        # Offsets cost as much as the rest of the scoring on long texts: only flagged messages need them (cues).
        logits, emb_norms = self._forward(self.encoder.token_ids(normalized))
        probs = _sigmoid(logits)
        results = []
        names, heads, thresholds = self.names, self.heads, self._threshold_list
        for i, (text, row) in enumerate(zip(texts, probs.tolist(), strict=True)):
            hits = [k for k, p in enumerate(row) if p >= thresholds[k]]
            flagged = [names[k] for k in hits]
            categories = list(dict.fromkeys(c for k in hits for c in heads[k].categories))
            text_cues = (
                self._cues(text, normalized[i], self.encoder.spans(normalized[i]), hits, emb_norms[i])
                if cues and hits
                else []
            )
            results.append(
                TextResult(
                    scores=dict(zip(names, row, strict=True)),
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
        norm = normalize(text)
        spans = self.encoder.token_spans([norm])[0]
        _, emb_norm = self._forward_one(spans.ids)
        return self._cues(text, norm, spans, [self.names.index(h) for h in heads], emb_norm, limit=limit)

    def _cues(
        self, text: str, norm: str, spans: TokenSpans, heads: list[int], emb_norm: float, *, limit: int = _MAX_CUES
    ) -> list[Cue]:
        """Per-token contributions to the logits of ``heads`` (indices), summed per word, top words per head.

        The logit is ``w_emb . sum(E[t]) / |sum(E[t])| + alpha * w_tok . tfidf / |tfidf| + b``: both parts are sums
        over the tokens, so each token's share is exact (``E[t] . w_emb`` is precomputed per token); a word's share
        is the sum over its tokens."""
        ids = spans.ids
        if not ids or not heads:
            return []
        _, origin = normalize_with_offsets(text)
        counts = Counter(ids)
        idf = self._idf_list
        weight = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}
        norm_tf = math.sqrt(sum(v * v for v in weight.values())) or 1.0
        share = np.asarray([self.alpha * weight[t] / norm_tf / counts[t] for t in ids], dtype=np.float32)
        per_token = self._proj[ids][:, heads] / (emb_norm or 1.0) + share[:, None] * self.w_tok[ids][:, heads]
        # Words: runs of non-space characters of the normalised text; a token belongs to the word it starts in.
        raw = [(m.start(), m.end()) for m in _WORD.finditer(norm)]
        word_starts = [s for s, _ in raw]
        per_word: dict[int, list[float]] = {}
        for start, contrib in zip(spans.starts, per_token.tolist(), strict=True):
            w = max(bisect.bisect_right(word_starts, start) - 1, 0)
            acc = per_word.setdefault(w, [0.0] * len(heads))
            for j, v in enumerate(contrib):
                acc[j] += v
        out: list[Cue] = []
        for j, k in enumerate(heads):
            ranked = sorted(per_word, key=lambda w: (-per_word[w][j], w))[:limit]
            top = per_word[ranked[0]][j]
            for w in ranked:
                value = per_word[w][j]
                if value <= 0 or value < _CUE_SHARE * top:
                    break
                s, e = _trim(norm, *raw[w])
                start, end = origin[s], origin[e - 1] + 1
                out.append(Cue(self.names[k], start, end, text[start:end]))
        return out


_WORD = re.compile(r"\S+")
_EDGE_PUNCT = frozenset(".,;:!?\"'()[]{}<>«»\u201c\u201d\u2018\u2019\u2026-_*~")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` without punctuation at its edges (unless that would leave nothing)."""
    s, e = start, end
    while s < e and text[s] in _EDGE_PUNCT:
        s += 1
    while e > s and text[e - 1] in _EDGE_PUNCT:
        e -= 1
    return (s, e) if s < e else (start, end)


def tfidf_from_counts(counts, idf: np.ndarray):  # scipy.sparse.csr_matrix -> csr_matrix
    """Sublinear TF-IDF, L2-normalised per row: (1 + ln count) * idf, as scikit-learn's TfidfTransformer does."""
    out = counts.copy()
    out.data = (1.0 + np.log(out.data)) * idf[out.indices]
    rows = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
    norms = np.sqrt(np.bincount(rows, weights=out.data.astype(np.float64) ** 2, minlength=out.shape[0]))
    out.data /= np.maximum(norms[rows], 1e-12).astype(out.data.dtype)
    return out


def tfidf_rows(ids: Sequence[Sequence[int]], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The TF-IDF of token-id lists as COO triples (rows, cols, data), sorted by row then column."""
    t = tfidf_from_counts(count_matrix(ids, idf.shape[0]), idf)
    rows = np.repeat(np.arange(t.shape[0], dtype=np.int64), np.diff(t.indptr))
    return rows, t.indices.astype(np.int64), t.data


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
