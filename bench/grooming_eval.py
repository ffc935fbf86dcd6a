"""Grooming/sextortion conversation risk on our own evaluation set: alert precision/recall, levels, stages, timing.

    .venv/bin/python bench/grooming_eval.py            # writes bench/results/grooming_eval.md and prints it

The set (src/childsafe/detect/evaldata/grooming_eval.jsonl, see GROOMING_EVAL.md there) is split in two halves:
the lexicon and the scoring constants were tuned while looking at the *dev* half only; the *test* half is reported
as held out. Both are printed, and the dev figures are optimistic by construction.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from childsafe.detect.grooming import Message, Participant, score_conversation, score_incremental
from childsafe.detect.grooming import new_state as grooming_state
from childsafe.detect.grooming_eval import (
    SAMPLE_CHAT,
    EvalConversation,
    evaluate,
    load_eval_set,
    render_markdown,
    score,
)
from childsafe.detect.language import detect_language
from childsafe.detect.pii import find_pii

RESULTS = Path(__file__).resolve().parent / "results" / "grooming_eval.md"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)

CHAT = list(SAMPLE_CHAT)


def operating_points(split: str) -> list[tuple[float, float, float, int, int]]:
    """(threshold, precision, recall, false alerts, benign) when "alert" also fires at score >= threshold."""
    convs = load_eval_set(split=split)
    risks = [(c, score(c)) for c in convs]
    out = []
    for t in THRESHOLDS:
        tp = sum(1 for c, r in risks if c.positive and (r.alert or r.score >= t))
        fp = sum(1 for c, r in risks if not c.positive and (r.alert or r.score >= t))
        pos = sum(1 for c, _ in risks if c.positive)
        neg = len(risks) - pos
        out.append((t, tp / (tp + fp) if tp + fp else 0.0, tp / pos if pos else 0.0, fp, neg))
    return out


def ablations() -> list[str]:
    """How much the relationship features carry: the same conversations without contact age and/or age bands."""

    def no_contact(c: EvalConversation) -> EvalConversation:
        return replace(c, contact_age_days=None)

    def no_ages(c: EvalConversation) -> EvalConversation:
        return replace(c, participants=[Participant(p.id, "unknown") for p in c.participants])

    variants = [
        ("as recorded", lambda c: c),
        ("contact age unknown", no_contact),
        ("all ages unknown", no_ages),
        ("both unknown", lambda c: no_ages(no_contact(c))),
    ]
    lines = [
        "| variant | dev P | dev R | dev false alerts | test P | test R | test false alerts |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, fn in variants:
        cells = []
        for split in ("dev", "test"):
            r = evaluate([fn(c) for c in load_eval_set(split=split)])
            cells.append(f"{100 * r.precision:.1f}% | {100 * r.recall:.1f}% | {r.fp}/{r.fp + r.tn}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def speed() -> list[str]:
    lines = []
    msgs = [Message("a" if i % 2 else "k", CHAT[i % len(CHAT)]) for i in range(1000)]
    parts = {"a": "adult", "k": "10_12"}
    score_conversation(msgs[:10], parts)  # load the language model once
    cpu, wall = [], []
    for _ in range(5):
        c0, w0 = time.process_time(), time.perf_counter()
        score_conversation(msgs, parts)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    lines.append(
        f"| 1,000-message conversation, batch | {statistics.median(cpu) * 1000:.0f} ms CPU "
        f"({statistics.median(wall) * 1000:.0f} ms wall) | {1000 / statistics.median(cpu):,.0f} messages/s per core |"
    )
    state = grooming_state(parts)
    per = []
    c0 = time.process_time()
    for m in msgs:
        t0 = time.perf_counter()
        state, _ = score_incremental(state, m)
        per.append(time.perf_counter() - t0)
    mean_cpu = (time.process_time() - c0) / len(msgs)
    per.sort()
    p50, p99 = per[len(per) // 2], per[int(len(per) * 0.99)]
    lines.append(
        f"| incremental, one message at a time (state grows to 1,000 messages) | mean {mean_cpu * 1e6:.0f} µs CPU; "
        f"wall p50 {p50 * 1e6:.0f} µs, p99 {p99 * 1e6:.0f} µs | {1 / mean_cpu:,.0f} messages/s per core |"
    )
    convs = load_eval_set()
    n = sum(len(c.messages) for c in convs)
    c0 = time.process_time()
    for c in convs:
        score(c)
    el = time.process_time() - c0
    lines.append(f"| evaluation set ({len(convs)} conversations, {n} messages) | {el * 1000:.0f} ms CPU | "
                 f"{n / el:,.0f} messages/s |")  # fmt: skip
    texts = CHAT * 200
    c0 = time.process_time()
    for t in texts:
        find_pii(t)
    el = time.process_time() - c0
    lines.append(f"| `find_pii`, short chat lines | {el / len(texts) * 1e6:.0f} µs CPU per message | |")
    detect_language("warm up the model")
    c0 = time.process_time()
    for t in texts:
        detect_language(t)
    el = time.process_time() - c0
    lines.append(f"| `detect_language`, short chat lines | {el / len(texts) * 1e6:.0f} µs CPU per message | |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-speed", action="store_true", help="skip the timing section")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    dev = evaluate(load_eval_set(split="dev"))
    test = evaluate(load_eval_set(split="test"))
    both = evaluate(load_eval_set())
    parts = [
        "# Grooming / sextortion conversation risk: evaluation",
        "",
        "Our own synthetic, non-explicit English set (`src/childsafe/detect/evaldata/grooming_eval.jsonl`; how it was "
        "written and its limits: `GROOMING_EVAL.md` there). **dev** = the half the lexicon and constants were tuned "
        "on (optimistic by construction); **test** = the held-out half, scored as is. Positive = `grooming` or "
        "`sextortion`; an alert asks for human review.",
        "",
        render_markdown([("dev (tuned on)", dev), ("test (held out)", test), ("all", both)]),
        "### Other operating points (alert also when score >= threshold)",
        "",
        "| threshold | dev precision | dev recall | dev false alerts | test precision | test recall | "
        "test false alerts |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (t, dp, dr, dfp, dneg), (_, tp_, tr, tfp, tneg) in zip(
        operating_points("dev"), operating_points("test"), strict=True
    ):
        parts.append(
            f"| {t:.1f} | {100 * dp:.1f}% | {100 * dr:.1f}% | {dfp}/{dneg} | {100 * tp_:.1f}% | {100 * tr:.1f}% | "
            f"{tfp}/{tneg} |"
        )
    parts += [
        "",
        "### Ablation: without the relationship information",
        "",
        "Contact age and age bands differ between labels in this set (benign look-alikes are mostly long-standing "
        "family, school and club contacts). Scoring the same conversations without them shows how much of the "
        "result rests on the lexicon alone:",
        "",
        *ablations(),
        "",
    ]
    if not args.no_speed:
        parts += [
            "### Speed (this machine; CPU time, so other load on the machine matters less)",
            "",
            "| what | time | throughput |",
            "|---|---|---|",
            *speed(),
            "",
        ]
    text = "\n".join(parts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
