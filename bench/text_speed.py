"""Message classifier speed, in-process, on one core: ours vs alt-profanity-check, side by side in one run.

The process is pinned to one CPU (``os.sched_setaffinity``), and the tokenizer's and BLAS's thread pools to one
thread, so the figures are per core. Besides wall-clock throughput, the CPU-time throughput (messages per second of
this process's CPU time) is reported: on a shared machine it is the steadier per-core figure.

For each system and each message set: throughput in batches of 64, throughput one message per call, and the
latency percentiles of single-message calls. Ours is ``TextClassifier.score`` as the service calls it
(normalisation, encoding, all heads, cues for flagged messages), and once more with ``cues=False``.

Message sets: "chat" = our seed examples and benign set (short chat lines, written by us); "long" = the OpenAI
moderation dev half (median several hundred characters).

    .venv/bin/python bench/text_speed.py [--seconds 3] [--cpu 0]
"""

from __future__ import annotations

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # before tokenizers is imported
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: BLAS threads only add overhead
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import gzip
import json
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def throughput(
    fn: Callable[[Sequence[str]], object], texts: list[str], batch: int, seconds: float
) -> tuple[float, float]:
    """Messages per second of wall-clock time and per second of this process's CPU time."""
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        for i in range(0, len(texts), batch):
            chunk = texts[i : i + batch]
            fn(chunk)
            done += len(chunk)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, done / (time.process_time() - cpu)


def latencies(fn: Callable[[Sequence[str]], object], texts: list[str], seconds: float) -> np.ndarray:
    out, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds:
        for t in texts:
            t0 = time.perf_counter()
            fn([t])
            out.append(time.perf_counter() - t0)
    return np.asarray(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    ap.add_argument("--cpu", type=int, default=0, help="CPU to pin to")
    ap.add_argument("--out", type=Path, default=RESULTS / "text_speed.md")
    args = ap.parse_args()
    os.sched_setaffinity(0, {args.cpu})

    from profanity_check import predict_prob

    from childsafe.detect import training
    from childsafe.detect.classifier import TextClassifier

    t0 = time.perf_counter()
    clf = TextClassifier.load()
    load_s = time.perf_counter() - t0

    chat = [json.loads(x)["text"] for x in training.DEFAULT_SEED_PATH.open(encoding="utf-8")]
    chat += [b["text"] for b in training.load_benign()]
    with gzip.open(training.default_data_dir() / "openai_moderation_eval" / "dev-half.jsonl.gz", "rt") as f:
        long = [json.loads(x)["prompt"][: training.MAX_TEXT_CHARS] for x in f]
    rng = np.random.default_rng(0)
    chat = [chat[i] for i in rng.permutation(len(chat))]
    long = [long[i] for i in rng.permutation(len(long))]

    systems = {
        "childsafe (ours)": clf.score,
        "childsafe, cues off": lambda texts: clf.score(texts, cues=False),
        "alt-profanity-check": predict_prob,
    }
    for fn in systems.values():  # warm-up
        fn(chat[:64])
        fn(long[:8])
    flagged = sum(bool(r.flagged) for r in clf.score(chat))
    rows = []
    for set_name, texts in (("chat", chat), ("long", long)):
        mean_len = statistics.fmean(len(t) for t in texts)
        for name, fn in systems.items():
            b64 = throughput(fn, texts, 64, args.seconds)
            single = throughput(fn, texts, 1, args.seconds)
            lat = latencies(fn, texts, args.seconds) * 1e6
            rows.append(
                (set_name, len(texts), mean_len, name, *b64, *single, *np.percentile(lat, [50, 99, 99.9]), lat.max())
            )
            print(rows[-1], flush=True)

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        "# Message classifier speed (one core, in-process)",
        "",
        f"CPU: {cpu}, pinned to CPU {args.cpu}; tokenizer threads 1; {args.seconds:.0f} s per measurement. "
        f"Ours: `TextClassifier.score` with cues ({flagged} of {len(chat)} chat messages flagged, so cues were "
        f"computed for them); model load {load_s * 1000:.0f} ms.",
        "",
        "| messages | n | mean chars | system | batch of 64: msg/s (wall / CPU) | one per call: msg/s (wall / CPU) "
        "| p50 µs | p99 µs | p99.9 µs | max µs |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s, n, ml, name, b64, b64cpu, single, singlecpu, p50, p99, p999, mx in rows:
        lines.append(
            f"| {s} | {n} | {ml:.0f} | {name} | {b64:,.0f} / {b64cpu:,.0f} | {single:,.0f} / {singlecpu:,.0f} "
            f"| {p50:,.0f} | {p99:,.0f} | {p999:,.0f} | {mx:,.0f} |"
        )
    lines += ["", "Latency columns: one message per call (`score([text])` / `predict_prob([text])`)."]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
