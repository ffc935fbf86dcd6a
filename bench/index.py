#!/usr/bin/env python
"""Hamming-radius index benchmark: childsafe's HammingIndex beside faiss MIH (HMA's index) and faiss flat.

Datasets (synthetic only, see shared/reference/hashing.md section 6):

* uniform: N random 256-bit codes;
* clustered (D3): 10 % of the codes within 0-20 bits of N/1000 seeds (10k seeds at 10M, ~100 codes each),
  1 % near-constant (all zeros with 0-8 random bits set), the rest uniform.

Queries: planted (a random stored code with k random bit flips, k uniform in 0..40, so ~78 % are true matches at
radius 31) plus as many random codes. Ground truth: faiss ``IndexBinaryFlat.range_search`` (exact).

Each variant runs in its own subprocess so that its RSS is its own: build time, RSS delta after the build (input
arrays freed), batched lookups/s on one core, single-query latency (median, p99), recall against the ground truth
and wrong results. For HammingIndex also: time until an added / removed code is visible to a search, a 200k-entry
compaction, and a retroactive rescan (stored query hashes against the whole index, on both cores).

    .venv/bin/python bench/index.py                    # 1M and 10M, uniform and clustered (~15 min)
    .venv/bin/python bench/index.py --quick            # 100k and 1M, fewer queries (~1 min)
    .venv/bin/python bench/index.py --sizes 1000000 --variants ours flat

The table goes to stdout and bench/results/index.md; raw figures to bench/results/index.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
WORK = RESULTS / "work"
RADIUS = 31
VARIANTS = ("ours", "mih", "flat")
LABELS = {
    "ours": "childsafe `HammingIndex`",
    "mih": "faiss `IndexBinaryMultiHash(256,16,16)` nflip=1",
    "flat": "faiss `IndexBinaryFlat`",
}


# --------------------------------------------------------------------------- data


def flip_bits(codes: np.ndarray, flips: np.ndarray, rng: np.random.Generator) -> None:
    """Flip ``flips[i]`` distinct random bits of row i, in place."""
    for i, k in enumerate(flips):
        bits = rng.choice(256, int(k), replace=False)
        np.bitwise_xor.at(codes[i], bits // 8, (1 << (bits % 8)).astype(np.uint8))


def scatter_bits(codes: np.ndarray, counts: np.ndarray, rng: np.random.Generator, *, xor: bool) -> None:
    """Flip (or set) up to ``counts[i]`` random bits of row i, vectorised: a repeated bit position only lowers it."""
    rows = np.arange(codes.shape[0])
    for step in range(int(counts.max(initial=0))):
        sel = rows[counts > step]
        bits = rng.integers(0, 256, sel.shape[0])
        mask = (1 << (bits % 8)).astype(np.uint8)
        if xor:
            codes[sel, bits // 8] ^= mask
        else:
            codes[sel, bits // 8] |= mask


def make_dataset(kind: str, n: int, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    n_cluster, n_low = n // 10, n // 100
    seeds = rng.integers(0, 256, size=(max(1, n_cluster // 100), 32), dtype=np.uint8)
    cluster = seeds[rng.integers(0, seeds.shape[0], n_cluster)]
    scatter_bits(cluster, rng.integers(0, 21, n_cluster), rng, xor=True)
    low = np.zeros((n_low, 32), dtype=np.uint8)
    scatter_bits(low, rng.integers(0, 9, n_low), rng, xor=False)
    uniform = rng.integers(0, 256, size=(n - n_cluster - n_low, 32), dtype=np.uint8)
    codes = np.concatenate([cluster, low, uniform])
    del cluster, low, uniform
    return codes[rng.permutation(n)]


def make_queries(codes: np.ndarray, planted: int, random: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    near = codes[rng.integers(0, codes.shape[0], planted)].copy()
    flip_bits(near, rng.integers(0, 41, planted), rng)
    far = rng.integers(0, 256, size=(random, 32), dtype=np.uint8)
    # interleave, so that any prefix of the query set has both kinds in the same proportion
    out = np.empty((planted + random, 32), dtype=np.uint8)
    order = rng.permutation(planted + random)
    out[order[:planted]] = near
    out[order[planted:]] = far
    return out


def dataset_files(kind: str, n: int, queries: int) -> tuple[Path, Path]:
    WORK.mkdir(parents=True, exist_ok=True)
    data, query_file = WORK / f"{kind}-{n}.npy", WORK / f"{kind}-{n}-q{queries}.npy"
    if not data.exists():
        np.save(data, make_dataset(kind, n))
    if not query_file.exists():
        np.save(query_file, make_queries(np.load(data, mmap_mode="r"), queries // 2, queries - queries // 2))
    return data, query_file


# --------------------------------------------------------------------------- measurement helpers


def rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs together, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def pairs(query: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """(query, id) pairs as sorted unique int64 keys: numpy, because ~700k Python tuples would cost ~100 MiB of
    fragmented heap that later RSS readings (compaction) would wrongly charge to the index."""
    keys = query.astype(np.int64) << np.int64(40)
    keys |= ids.astype(np.int64)
    unique = np.unique(keys)
    assert unique.size == keys.size, "a variant returned the same (query, id) pair twice"
    return unique


def faiss_pairs(lims: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lims = lims.astype(np.int64)
    query = np.repeat(np.arange(lims.shape[0] - 1), np.diff(lims))
    return query, labels.astype(np.int64)


def latency(search, queries: np.ndarray, count: int) -> tuple[float, float]:
    times = []
    for i in range(min(count, queries.shape[0])):
        t0 = time.perf_counter()
        search(queries[i : i + 1])
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1e3), float(np.percentile(times, 99) * 1e3)


class PeakRss:
    """Samples RSS every 5 ms in a thread: the peak of a phase such as a compaction."""

    def __enter__(self) -> PeakRss:
        self.peak, self._stop = rss(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


# --------------------------------------------------------------------------- workers (one subprocess each)


def worker_truth(args: argparse.Namespace) -> dict:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    codes = np.load(args.data)
    queries = np.load(args.queries)
    index = faiss.IndexBinaryFlat(256)
    index.add(codes)
    lims, _, labels = index.range_search(queries, RADIUS + 1)  # faiss's binary radius is exclusive
    np.savez(args.truth, lims=lims, labels=labels)
    return {"pairs": int(labels.shape[0])}


def worker(args: argparse.Namespace) -> dict:
    base_rss = rss()
    if args.variant != "ours":
        import faiss

        faiss.omp_set_num_threads(1)
        base_rss = rss()
    codes = np.load(args.data)
    n = codes.shape[0]
    queries = np.load(args.queries)[: args.count]

    t0 = time.perf_counter()
    if args.variant == "ours":
        from childsafe.index import HammingIndex

        index = HammingIndex(segment_rows=args.segment_rows) if args.segment_rows else HammingIndex()
        index.add(np.arange(n, dtype=np.int64), codes, np.arange(n, dtype=np.int64) % 4)

        def search(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            result = index.search(q, RADIUS)
            return result.query, result.ids
    else:
        if args.variant == "mih":
            index = faiss.IndexBinaryMultiHash(256, 16, 16)
            index.nflip = 1
        else:
            index = faiss.IndexBinaryFlat(256)
        index.add(codes)

        def search(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            lims, _, labels = index.range_search(q, RADIUS + 1)
            return faiss_pairs(lims, labels)
    build = time.perf_counter() - t0
    del codes
    gc.collect()
    after_build = rss()

    # Loaded only after the RSS measurement (at 10M clustered the ground truth has ~700k pairs).
    truth = np.load(args.truth)
    lims = truth["lims"][: args.count + 1].astype(np.int64)
    truth_pairs = pairs(*faiss_pairs(lims, truth["labels"][: lims[-1]]))
    search(queries[:8])
    runs = []
    busy0, total0 = cpu_times()
    for _ in range(args.reps):  # the machine is shared: the best of a few runs is what the code can do
        t0 = time.perf_counter()
        found = pairs(*search(queries))
        runs.append(time.perf_counter() - t0)
    batched = min(runs)
    busy1, total1 = cpu_times()
    # This process keeps one core busy (1/cores of the machine); anything above that is other load.
    machine_busy = (busy1 - busy0) / max(total1 - total0, 1)
    p50, p99 = latency(search, queries, args.single)
    out = {
        "variant": args.variant, "n": n, "queries": int(queries.shape[0]), "build_s": build,
        "rss_delta_mib": (after_build - base_rss) / 2**20, "rss_total_mib": after_build / 2**20,
        "machine_busy": machine_busy, "qps": queries.shape[0] / batched,
        "qps_median": queries.shape[0] / float(np.median(runs)),
        "p50_ms": p50, "p99_ms": p99,
        "single_queries": min(args.single, len(queries)), "truth_pairs": int(truth_pairs.size),
        "found_pairs": int(np.isin(truth_pairs, found).sum()), "wrong_pairs": int((~np.isin(found, truth_pairs)).sum()),
    }
    del found, truth_pairs
    gc.collect()
    if args.variant == "ours":
        out.update(freshness(index, np.random.default_rng(3), n))
        out.update(rescan(index, args.rescan, args.rescan_sample))
        out["stats"] = index.stats()
    return out


def freshness(index, rng: np.random.Generator, n: int) -> dict:
    """Seconds from the start of add()/remove() until a search sees the change, one hash at a time."""
    added, removed = [], []
    next_id = n
    for _ in range(200):
        code = rng.integers(0, 256, size=(1, 32), dtype=np.uint8)
        t0 = time.perf_counter()
        index.add(np.array([next_id]), code)
        assert next_id in set(index.search(code, 0).ids.tolist())
        added.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        index.remove([next_id])
        assert next_id not in set(index.search(code, 0).ids.tolist())
        removed.append(time.perf_counter() - t0)
        next_id += 1
    # A full delta: 200k additions in batches of 10k, then the compaction into the base.
    batch = rng.integers(0, 256, size=(10_000, 32), dtype=np.uint8)
    t0 = time.perf_counter()
    for i in range(19):
        index.add(np.arange(next_id + i * 10_000, next_id + (i + 1) * 10_000), batch)
    fill = time.perf_counter() - t0
    before = rss()
    with PeakRss() as peak:
        t0 = time.perf_counter()
        index.compact()
        compact = time.perf_counter() - t0
    return {
        "add_visible_ms": float(np.median(added) * 1e3), "add_visible_max_ms": float(np.max(added) * 1e3),
        "remove_visible_ms": float(np.median(removed) * 1e3), "remove_visible_max_ms": float(np.max(removed) * 1e3),
        "delta_fill_s": fill, "compact_s": compact, "compact_rss_before_mib": before / 2**20,
        "compact_rss_peak_mib": peak.peak / 2**20, "compact_rss_after_mib": rss() / 2**20,
    }


def rescan(index, total: int, sample: int) -> dict:
    """Stored (random) query hashes against the whole index on every core: measured on ``sample``, scaled up."""
    if total <= 0:
        return {}
    stored = np.random.default_rng(11).integers(0, 256, size=(min(total, sample), 32), dtype=np.uint8)
    threads = os.cpu_count() or 1
    blocks = np.array_split(stored, max(threads * 8, 1))
    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        matched = sum(len(r) for r in pool.map(lambda b: index.search(b, RADIUS), blocks))
    wall = time.perf_counter() - t0
    return {"rescan_total": total, "rescan_measured": stored.shape[0], "rescan_threads": threads,
            "rescan_measured_s": wall, "rescan_total_s": wall * total / stored.shape[0], "rescan_matches": matched}


# --------------------------------------------------------------------------- orchestration


def run(cmd: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *cmd], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"worker {cmd} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def plan(n: int, quick: bool) -> dict[str, dict]:
    """Query counts per variant: faiss at 10M takes 26-50 ms per query, so it gets fewer."""
    big = n >= 5_000_000
    ours = 1000 if quick else 2000
    slow = 300 if big else ours
    return {
        "ours": {"count": ours, "single": 200},
        "mih": {"count": slow, "single": 100},
        "flat": {"count": slow, "single": 50 if big else 200},
    }


def fmt(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def table(rows: list[dict]) -> str:
    head = ("| Variant | N | Data | Build | RSS Δ | Lookups/s/core, batched: best (median) | "
            "Single query median / p99 | Recall vs flat | Wrong | Machine busy |")
    lines = [head, "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {LABELS[r['variant']]} | {r['n'] / 1e6:g}M | {r['data']} | {r['build_s']:.1f} s | "
            f"{fmt(r['rss_delta_mib'])} MiB | {fmt(r['qps'])} ({fmt(r['qps_median'])}), {r['queries']} q | "
            f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f} ms | "
            f"{r['found_pairs'] / max(r['truth_pairs'], 1):.3f} ({r['found_pairs']}/{r['truth_pairs']}) | "
            f"{r['wrong_pairs']} | {r['machine_busy']:.0%} |")
    ours = [r for r in rows if r["variant"] == "ours"]
    if ours:
        lines += ["", "| HammingIndex | N | Data | Process RSS | Add → visible (median / max) | "
                  "Remove → gone (median / max) | 190k adds | Compaction (RSS before → peak → after) | "
                  "Retroactive rescan |", "|---|---|---|---|---|---|---|---|---|"]
        for r in ours:
            scan = "—"
            if r.get("rescan_total"):
                scaled = "" if r["rescan_measured"] == r["rescan_total"] else (
                    f", extrapolated from {r['rescan_measured']:,} measured in {r['rescan_measured_s']:.0f} s")
                scan = (f"{r['rescan_total']:,} hashes: {r['rescan_total_s']:.0f} s on {r['rescan_threads']} "
                        f"threads{scaled}")
            lines.append(
                f"| | {r['n'] / 1e6:g}M | {r['data']} | {fmt(r['rss_total_mib'])} MiB | "
                f"{r['add_visible_ms']:.2f} / {r['add_visible_max_ms']:.1f} ms | "
                f"{r['remove_visible_ms']:.2f} / {r['remove_visible_max_ms']:.1f} ms | {r['delta_fill_s']:.1f} s | "
                f"{r['compact_s']:.1f} s ({fmt(r['compact_rss_before_mib'])} → {fmt(r['compact_rss_peak_mib'])} → "
                f"{fmt(r['compact_rss_after_mib'])} MiB) | {scan} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--data", nargs="+", default=["uniform", "clustered"], choices=["uniform", "clustered"])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--quick", action="store_true", help="100k and 1M, fewer queries")
    parser.add_argument("--rescan", type=int, default=1_000_000, help="stored hashes rescanned against the largest N")
    parser.add_argument("--rescan-sample", type=int, default=100_000, help="measure this many, extrapolate the rest")
    parser.add_argument("--worker", choices=[*VARIANTS, "truth"], help=argparse.SUPPRESS)
    for hidden in ("--data-file", "--queries", "--truth"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--segment-rows", type=int, default=0, help="HammingIndex segment size (default: its own)")
    parser.add_argument("--reps", type=int, default=3, help="batched runs per variant; the best is reported")
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--single", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        args.variant = args.worker
        args.data = args.data_file
        print(json.dumps(worker_truth(args) if args.worker == "truth" else worker(args)))
        return

    sizes = args.sizes or ([100_000, 1_000_000] if args.quick else [1_000_000, 10_000_000])
    if args.quick:
        args.rescan_sample = min(args.rescan_sample, 10_000)
    rows: list[dict] = []
    started = time.perf_counter()
    for n in sizes:
        counts = plan(n, args.quick)
        total_queries = max(c["count"] for c in counts.values())
        for kind in args.data:
            data, queries = dataset_files(kind, n, total_queries)
            truth = WORK / f"{kind}-{n}-q{total_queries}-truth.npz"
            if not truth.exists():
                run(["--worker", "truth", "--data-file", str(data), "--queries", str(queries), "--truth", str(truth)])
            for variant in args.variants:
                cmd = ["--worker", variant, "--data-file", str(data), "--queries", str(queries), "--truth", str(truth),
                       "--count", str(counts[variant]["count"]), "--single", str(counts[variant]["single"]),
                       "--reps", str(args.reps)]
                if variant == "ours":
                    rescan_total = args.rescan if n == max(sizes) and kind == "uniform" else 0
                    cmd += ["--rescan", str(rescan_total), "--rescan-sample", str(args.rescan_sample),
                            "--segment-rows", str(args.segment_rows)]
                row = run(cmd) | {"data": kind}
                rows.append(row)
                print(f"[{time.perf_counter() - started:6.0f} s] {kind} {n:,} {variant}: {row['qps']:.0f} q/s, "
                      f"recall {row['found_pairs']}/{row['truth_pairs']}", file=sys.stderr, flush=True)
    text = table(rows)
    header = (f"Index benchmark, radius {RADIUS}, single-threaded queries; {platform.processor() or platform.machine()}"
              f", {os.cpu_count()} cores, numpy {np.__version__}; {time.strftime('%Y-%m-%d %H:%M')}; "
              f"total {time.perf_counter() - started:.0f} s; batched rate: best and median of {args.reps} runs; "
              f"machine busy: all CPUs during the batched runs (one busy core = {1 / (os.cpu_count() or 1):.0%}; "
              "more means other load on the machine)\n\n")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "index.md").write_text(header + text + "\n")
    (RESULTS / "index.json").write_text(json.dumps(rows, indent=1))
    print(header + text)


if __name__ == "__main__":
    main()
