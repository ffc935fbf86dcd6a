#!/usr/bin/env python
"""Hashing benchmark: PDQ on 1-2 MP images (baseline against childsafe's path) and vPDQ on the sample videos.

    .venv/bin/python bench/hashing.py [--reps 7] [--no-video] [--cpu 0]

* PDQ, per image group, in one process pinned to one CPU with BLAS limited to one thread:
  - **baseline**: Pillow full decode to RGB + ``pdqhash.compute`` (what pytx and HMA do);
  - **ours**: ``childsafe.hashing.pdq_hash_bytes`` (default path: reduced luma decode for images over 512 px,
    the bindings for smaller ones).
  Each image is timed ``--reps`` times, baseline and ours interleaved so both see the same machine noise; the
  figure per group is the median over its images of each image's median CPU time; images/s = 1000 / that, one core.
  Accuracy: Hamming distance of our hash to the baseline hash, and of both to the C++ reference where it is
  published (``expected/cpp-reference-dihedral.csv``, native build; ``PDQMD5TestData.csv``, WASM build).
* vPDQ at one hash per second (``hash_video_file``, the production path: ffprobe checks plus vpdq in a child
  process, one decoder thread) and, for the overhead, ``vpdq.computeHash`` in-process: hashes/s, decoded
  frames/s and the real-time factor (video seconds hashed per CPU second, child processes included).

Images: the benign ThreatExchange test photos in the shared data (CHILDSAFE_SHARED_DATA or ../shared/data) and
synthetic smooth-gradient pictures written as JPEG (quality 90, baseline and progressive) and PNG to a temporary
folder. Results: bench/results/hashing.md (gitignored), also printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pdqhash
import PIL
from PIL import Image

from childsafe.hashing import decode_for_pdq, hamming, hash_video_file, pdq_hash_bytes
from childsafe.hashing.pdq import _hex

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"


def shared_pdq() -> Path:
    candidates = [Path(p) / "pdq" for p in filter(None, [os.environ.get("CHILDSAFE_SHARED_DATA")])]
    candidates.append(ROOT.parents[1] / "shared" / "data" / "pdq")
    for candidate in candidates:
        if (candidate / "expected").is_dir():
            return candidate
    sys.exit(f"PDQ data not found in {', '.join(map(str, candidates))}; set CHILDSAFE_SHARED_DATA")


def cpp_references(data: Path) -> dict[str, str]:
    """file (relative to data) -> C++ reference hash: the native build (dih) and the WASM build (bridge-mods)."""
    refs = {}
    with open(data / "expected" / "cpp-reference-dihedral.csv", newline="") as handle:
        refs.update({row["file"]: row["pdq_hex"] for row in csv.DictReader(handle)})
    with open(data / "expected" / "PDQMD5TestData.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["FilePath"].split("/data/")[-1]
            if name.startswith("bridge-mods/") and (data / "images" / name).is_file():
                refs[f"images/{name}"] = row["Hash"]
    return refs


def synthetic(size: tuple[int, int], seed: int) -> Image.Image:
    """A benign picture: colour gradients, a few flat discs, mild noise."""
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    ramp = (np.cos(angle) * x + np.sin(angle) * y) / max(size)
    rgb = np.stack([ramp * 255, y / height * 255, (1 - x / width) * 255], axis=-1)
    for _ in range(8):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.04, 0.2) * min(size)
        rgb[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.uniform(0, 255, 3)
    rgb += rng.normal(0, 8, rgb.shape)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


@dataclass
class Group:
    name: str
    files: list[Path]
    labels: list[str] = field(default_factory=list)  # relative names, for the C++ references


def build_groups(data: Path, scratch: Path) -> list[Group]:
    images = data / "images"
    dih = sorted((images / "dih").glob("*.jpg"))
    bridge = [p for p in sorted((images / "bridge-mods").glob("*.jpg")) if not p.name.startswith(("square", "shrink"))]
    groups = [
        Group("dih 1600x1004 JPEG (1 baseline + 7 progressive)", dih),
        Group("bridge-mods 1600x1004 baseline JPEG", bridge),
    ]
    for size, progressive in (((1024, 1024), False), ((1600, 1200), False), ((1600, 1200), True)):
        files = []
        for seed in range(6):
            path = scratch / f"synthetic-{size[0]}x{size[1]}-{'p' if progressive else 'b'}-{seed}.jpg"
            synthetic(size, seed * 31 + size[0]).save(path, "JPEG", quality=90, progressive=progressive)
            files.append(path)
        kind = "progressive" if progressive else "baseline"
        groups.append(Group(f"synthetic {size[0]}x{size[1]} {kind} JPEG q90", files))
    pngs = []
    for seed in range(3):
        path = scratch / f"synthetic-1200x900-{seed}.png"
        synthetic((1200, 900), seed).save(path, "PNG")
        pngs.append(path)
    groups.append(Group("other large: letterboxed 2000x1404 JPEG, pen-and-coaster 924x735 PNG, 3 synthetic "
                        "1200x900 PNG", [images / "pytx-resources/letterboxed_sample-b.jpg",
                                         images / "pen-and-coaster.png", *pngs]))
    small = sorted((images / "labelme-subset").glob("*.jpg")) + sorted((images / "bridge-mods").glob("square-*.jpg"))
    groups.append(Group("small (<= 512 px): labelme 256x256, bridge squares 128-512", small))
    for group in groups:
        group.labels = [str(p.relative_to(data)) if p.is_relative_to(data) else p.name for p in group.files]
    return groups


def baseline(data: bytes) -> tuple[str, int]:
    with Image.open(io.BytesIO(data)) as image:
        pixels = np.asarray(image.convert("RGB"))
    bits, quality = pdqhash.compute(pixels)
    return _hex(bits), int(quality)


def ours(data: bytes) -> tuple[str, int]:
    hashes, quality = pdq_hash_bytes(data)
    return hashes[0], quality


def timed(fn, data: bytes) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call. CPU time is the per-core cost even when other processes share
    the core; wall time is what a caller waits, and only equals it on an idle machine."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn(data)
    return time.process_time() - cpu, time.perf_counter() - wall


def median_ms(samples: list[tuple[float, float]], which: int) -> float:
    return statistics.median(s[which] for s in samples) * 1000


def fmt_dist(values: list[int]) -> str:
    return f"{max(values)} / {statistics.median(values):g}" if values else "-"


def bench_pdq(groups: list[Group], refs: dict[str, str], reps: int) -> list[str]:
    lines = ["| images | n | KiB | baseline ms | ours ms (decode) | speed-up | baseline img/s | ours img/s | "
             "ours to baseline, bits max / median | ours to C++ | baseline to C++ | quality max diff | "
             "wall ms baseline / ours |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|---|"]
    for group in groups:
        base_ms, our_ms, decode_ms, to_base, to_cpp, base_cpp, quality_diff = [], [], [], [], [], [], []
        base_wall, our_wall = [], []
        for path, label in zip(group.files, group.labels, strict=True):
            data = path.read_bytes()
            (b_hash, b_quality), (o_hash, o_quality) = baseline(data), ours(data)  # also warms caches
            b_times, o_times, d_times = [], [], []
            for _ in range(reps):
                b_times.append(timed(baseline, data))
                o_times.append(timed(ours, data))
                d_times.append(timed(decode_for_pdq, data))
            base_ms.append(median_ms(b_times, 0))
            our_ms.append(median_ms(o_times, 0))
            decode_ms.append(median_ms(d_times, 0))
            base_wall.append(median_ms(b_times, 1))
            our_wall.append(median_ms(o_times, 1))
            to_base.append(hamming(o_hash, b_hash))
            quality_diff.append(abs(b_quality - o_quality))
            if label in refs:
                to_cpp.append(hamming(o_hash, refs[label]))
                base_cpp.append(hamming(b_hash, refs[label]))
        b, o = statistics.median(base_ms), statistics.median(our_ms)
        kib = statistics.median(p.stat().st_size for p in group.files) / 1024
        lines.append(f"| {group.name} | {len(group.files)} | {kib:.0f} | {b:.1f} | {o:.1f} "
                     f"({statistics.median(decode_ms):.1f}) | {b / o:.1f}x | {1000 / b:.0f} | {1000 / o:.0f} | "
                     f"{fmt_dist(to_base)} | {fmt_dist(to_cpp)} | {fmt_dist(base_cpp)} | {max(quality_diff)} | "
                     f"{statistics.median(base_wall):.1f} / {statistics.median(our_wall):.1f} |")
        print(lines[-1], flush=True)
    return lines


def ffprobe_frames(path: Path) -> tuple[int, float]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_frames,duration", "-of", "json", str(path)],
                         capture_output=True, check=True, text=True).stdout
    stream = json.loads(out)["streams"][0]
    return int(stream.get("nb_frames", 0)), float(stream.get("duration", 0))


def bench_vpdq(data: Path, reps: int) -> list[str]:
    try:
        import vpdq  # the overhead comparison only; the service never imports it
    except ImportError:
        return ["vpdq is not installed (the `video` extra): no video figures."]
    lines = ["| video | size | seconds | frames | hashes | ours CPU s | ours hashes/s | ours decoded frames/s | "
             "ours real-time | in-process CPU s | in-process real-time | wall s ours / in-process |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    totals = [0.0, 0.0, 0.0]
    for path in sorted((data / "video").glob("*.mp4")):
        frames, seconds = ffprobe_frames(path)
        hashes = len(hash_video_file(path))
        ours_t = [cpu_with_children(lambda p=path: hash_video_file(p)) for _ in range(reps)]
        inproc_t = [cpu_with_children(lambda p=path: vpdq.computeHash(str(p), seconds_per_hash=1, thread_count=1))
                    for _ in range(reps)]
        o, i = statistics.median(t[0] for t in ours_t), statistics.median(t[0] for t in inproc_t)
        o_wall, i_wall = statistics.median(t[1] for t in ours_t), statistics.median(t[1] for t in inproc_t)
        totals[0] += seconds
        totals[1] += o
        totals[2] += i
        lines.append(f"| {path.stem} | {_probe_size(path)} | {seconds:.1f} | {frames} | {hashes} | {o:.2f} | "
                     f"{hashes / o:.1f} | {frames / o:.0f} | {seconds / o:.1f}x | {i:.2f} | {seconds / i:.1f}x | "
                     f"{o_wall:.2f} / {i_wall:.2f} |")
        print(lines[-1], flush=True)
    lines.append(f"| all | | {totals[0]:.1f} | | | {totals[1]:.2f} | | | {totals[0] / totals[1]:.1f}x | "
                 f"{totals[2]:.2f} | {totals[0] / totals[2]:.1f}x | |")
    return lines


def cpu_with_children(fn) -> tuple[float, float]:
    """(CPU seconds of this process and its finished children, wall seconds) of one call."""
    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    before, wall = cpu(), time.perf_counter()
    fn()
    return cpu() - before, time.perf_counter() - wall


def _probe_size(path: Path) -> str:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "csv=p=0", str(path)], capture_output=True, check=True, text=True).stdout
    return out.strip().replace(",", "x")


_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def main() -> None:
    if any(os.environ.get(k) != v for k, v in _ONE_THREAD.items()):
        # BLAS reads these when numpy loads, which has happened: run again with them set (one core, one thread)
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **_ONE_THREAD})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=7, help="timings per image (median taken)")
    parser.add_argument("--video-reps", type=int, default=3, help="timings per video (median taken)")
    parser.add_argument("--no-video", action="store_true")
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the last one allowed)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    data = shared_pdq()
    refs = cpp_references(data)
    loadavg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = ["# Hashing benchmark", "",
           f"{time.strftime('%Y-%m-%d %H:%M')}; {platform.processor() or platform.machine()}, "
           f"{os.cpu_count()} CPUs, pinned to one; load average {loadavg:.2f} at start; Python "
           f"{platform.python_version()}, Pillow {PIL.__version__}, numpy {np.__version__}, pdqhash "
           f"{getattr(pdqhash, '__version__', '0.2.8')}; {args.reps} timings per image.", "",
           "## PDQ: decode + hash, one core", "",
           "Baseline: Pillow full decode to RGB + `pdqhash.compute`. Ours: `pdq_hash_bytes` (default path). "
           "ms = CPU time per image (median), so img/s is per core even on a shared machine; the last column is "
           "wall-clock time, equal to CPU time only when the core was not shared. (decode): of which "
           "`decode_for_pdq` (reduced luma decode). KiB: median file size (JPEG decoding time follows the compressed "
           "size). Distances in bits (of 256), max / median; C++: the published reference hashes (native build "
           "for dih, WASM build for bridge-mods).", ""]
    with tempfile.TemporaryDirectory(prefix="childsafe-bench-") as scratch:
        out += bench_pdq(build_groups(data, Path(scratch)), refs, args.reps)
    if not args.no_video:
        out += ["", "## vPDQ: one hash per second, one decoder thread", "",
                "Ours: `hash_video_file` (ffprobe checks, vpdq in a child process). In-process: "
                "`vpdq.computeHash(path, seconds_per_hash=1, thread_count=1)`. CPU s: CPU time including child "
                "processes (ffprobe, the vpdq child); rates and the real-time factor (video seconds per CPU "
                "second) are per core. vpdq decodes every frame and hashes one per second.", ""]
        out += bench_vpdq(data, args.video_reps)
    RESULTS.mkdir(exist_ok=True)
    text = "\n".join(out) + "\n"
    (RESULTS / "hashing.md").write_text(text)
    print()
    print(text)


if __name__ == "__main__":
    main()
