"""The grooming evaluation set (``evaldata/grooming_eval.jsonl``) and its metrics, shared by the bench and the tests.

See ``evaldata/GROOMING_EVAL.md`` for how the set was written, the labels and the limits. Each line:
``{"id", "label": "grooming"|"sextortion"|"benign", "type", "split": "dev"|"test", "contact_age_days",
"participants": [{"id", "age_band"}], "messages": [{"sender", "text", "t_min", "stages": [...]}]}``.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from childsafe.detect.grooming import STAGES, ConversationRisk, Message, Participant, score_conversation

__all__ = ["EVAL_PATH", "EvalConversation", "evaluate", "load_eval_set", "render_markdown", "score"]

EVAL_PATH = Path(__file__).resolve().parent / "evaldata" / "grooming_eval.jsonl"
_T0 = datetime(2025, 1, 6, 16, 0, tzinfo=UTC)
POSITIVE = frozenset({"grooming", "sextortion"})


@dataclass(frozen=True, slots=True)
class EvalConversation:
    id: str
    label: str
    type: str
    split: str
    contact_age_days: float | None
    participants: list[Participant]
    messages: list[Message]
    stages: list[list[str]]  # per message, annotated stages

    @property
    def positive(self) -> bool:
        return self.label in POSITIVE


# Ordinary chat with a few risky lines among it: the timing workload of the benchmark and the long-thread test.
SAMPLE_CHAT = (
    "hey how was school today",
    "lol same",
    "are you home alone right now? dont tell your mum we talk",
    "send me a pic of you in your pjs",
    "ok see you at practice",
    "what is your snap",
    "i go to oakfield primary and im 12",
    "\U0001f600\U0001f600",
    "haha yeah that game was so good, did you finish the level?",
    "nah my mum said i have to do homework first",
)


def load_eval_set(path: Path = EVAL_PATH, *, split: str | None = None) -> list[EvalConversation]:
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            if split is not None and row["split"] != split:
                continue
            msgs = [Message(m["sender"], m["text"], _T0 + timedelta(minutes=m["t_min"])) for m in row["messages"]]
            out.append(
                EvalConversation(
                    id=row["id"],
                    label=row["label"],
                    type=row["type"],
                    split=row["split"],
                    contact_age_days=row["contact_age_days"],
                    participants=[Participant(p["id"], p["age_band"]) for p in row["participants"]],
                    messages=msgs,
                    stages=[list(m["stages"]) for m in row["messages"]],
                )
            )
    return out


def score(conv: EvalConversation, **kwargs: Any) -> ConversationRisk:
    return score_conversation(conv.messages, conv.participants, contact_age_days=conv.contact_age_days, **kwargs)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class EvalResult:
    n: int
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    levels: dict[str, Counter[str]]
    stage_prf: dict[str, tuple[int, int, int, float, float]]  # stage -> (tp, fp, fn, precision, recall)
    early: list[tuple[str, int, int]]  # (id, first alert index, number of messages) for alerted positives
    benign_by_type: dict[str, tuple[int, int]]  # type -> (alerts, conversations)
    missed: list[str] = field(default_factory=list)
    false_alerts: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)


def evaluate(convs: Sequence[EvalConversation], **kwargs: Any) -> EvalResult:
    """Conversation-level alert precision/recall (positive = grooming or sextortion), level distribution per
    label, per-stage precision/recall at (conversation, message, stage) level, alert timing, false alerts by type."""
    tp = fp = fn = tn = 0
    levels: dict[str, Counter[str]] = defaultdict(Counter)
    stage_counts = {s: [0, 0, 0] for s in STAGES}
    early: list[tuple[str, int, int]] = []
    benign: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed: list[str] = []
    false_alerts: list[str] = []
    scores: dict[str, float] = {}
    for conv in convs:
        risk = score(conv, **kwargs)
        scores[conv.id] = risk.score
        levels[conv.label][risk.level] += 1
        if conv.positive:
            if risk.alert:
                tp += 1
                early.append((conv.id, risk.first_alert_index or 0, len(conv.messages)))
            else:
                fn += 1
                missed.append(conv.id)
        else:
            benign[conv.type][1] += 1
            if risk.alert:
                fp += 1
                benign[conv.type][0] += 1
                false_alerts.append(conv.id)
            else:
                tn += 1
        predicted = {(h.message_index, h.stage) for h in risk.stages}
        gold = {(i, s) for i, ss in enumerate(conv.stages) for s in ss}
        for s in STAGES:
            p = {x for x in predicted if x[1] == s}
            g = {x for x in gold if x[1] == s}
            stage_counts[s][0] += len(p & g)
            stage_counts[s][1] += len(p - g)
            stage_counts[s][2] += len(g - p)
    precision, recall, f1 = _prf(tp, fp, fn)
    stage_prf = {}
    for s, (a, b, c) in stage_counts.items():
        sp, sr, _ = _prf(a, b, c)
        stage_prf[s] = (a, b, c, sp, sr)
    return EvalResult(
        n=len(convs),
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        precision=precision,
        recall=recall,
        f1=f1,
        levels=dict(levels),
        stage_prf=stage_prf,
        early=early,
        benign_by_type={k: (v[0], v[1]) for k, v in sorted(benign.items())},
        missed=missed,
        false_alerts=false_alerts,
        scores=scores,
    )


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def render_markdown(results: Iterable[tuple[str, EvalResult]]) -> str:
    """One markdown report for several named results (e.g. "dev (tuned on)", "test (held out)")."""
    results = list(results)
    lines = ["### Alert (conversation level; positive = grooming or sextortion)", ""]
    lines.append("| split | conversations | TP | FP | FN | TN | precision | recall | F1 | false-alert rate on benign |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results:
        far = r.fp / (r.fp + r.tn) if r.fp + r.tn else 0.0
        lines.append(
            f"| {name} | {r.n} | {r.tp} | {r.fp} | {r.fn} | {r.tn} | {_pct(r.precision)} | {_pct(r.recall)} | "
            f"{_pct(r.f1)} | {_pct(far)} |"
        )
    lines += ["", "### Level distribution per label", ""]
    lines.append("| split | label | none | low | medium | high |")
    lines.append("|---|---|---:|---:|---:|---:|")
    for name, r in results:
        for label in ("grooming", "sextortion", "benign"):
            c = r.levels.get(label, Counter())
            lines.append(f"| {name} | {label} | {c['none']} | {c['low']} | {c['medium']} | {c['high']} |")
    lines += ["", "### Per-stage cue detection (message level, against the annotations)", ""]
    head = "| stage | " + " | ".join(f"{n} TP/FP/FN | {n} P | {n} R" for n, _ in results) + " |"
    lines.append(head)
    lines.append("|---|" + "---:|---:|---:|" * len(results))
    for s in STAGES:
        cells = []
        for _, r in results:
            a, b, c, sp, sr = r.stage_prf[s]
            cells.append(f"{a}/{b}/{c} | {_pct(sp)} | {_pct(sr)}")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines += ["", "### How early the alert fires (alerted positives)", ""]
    lines.append("| split | alerted | median first-alert message (1-based) | median conversation length | "
                 "median share of the conversation seen | alerted by the middle message |")  # fmt: skip
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, r in results:
        if not r.early:
            lines.append(f"| {name} | 0 | - | - | - | - |")
            continue
        first = [i + 1 for _, i, _ in r.early]
        length = [n for _, _, n in r.early]
        share = [(i + 1) / n for _, i, n in r.early]
        by_middle = sum(1 for _, i, n in r.early if i + 1 <= (n + 1) // 2)
        lines.append(
            f"| {name} | {len(r.early)} | {statistics.median(first):g} | {statistics.median(length):g} | "
            f"{_pct(statistics.median(share))} | {by_middle}/{len(r.early)} |"
        )
    lines += ["", "### False alerts on the benign look-alikes, by type", ""]
    types = sorted({t for _, r in results for t in r.benign_by_type})
    lines.append("| type | " + " | ".join(f"{n} alerts / conversations" for n, _ in results) + " |")
    lines.append("|---|" + "---:|" * len(results))
    for t in types:
        cells = []
        for _, r in results:
            a, n = r.benign_by_type.get(t, (0, 0))
            cells.append(f"{a} / {n}" if n else "-")
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    lines += [""]
    for name, r in results:
        lines.append(f"- {name}: missed positives: {', '.join(r.missed) or 'none'}; "
                     f"false alerts: {', '.join(r.false_alerts) or 'none'}")  # fmt: skip
    return "\n".join(lines) + "\n"
