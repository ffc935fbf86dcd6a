"""End-to-end HTTP scan benchmark: benign 512x512 JPEG uploads hashed (MD5, SHA-256, PDQ) and
matched against a bank, through one server process (one core; wrk runs on the other).

Closed-loop load from wrk at rising concurrency finds the sustainable rate; then twice that
concurrency and a flood (16x) show what overload looks like: the scan gate answers 503 with
Retry-After within its wait instead of letting requests queue without bound.

    .venv/bin/python bench/scan_http.py [--bank-size 100000] [--duration 10]

Writes bench/results/scan_http.md and prints it.
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

from childsafe import access, banks, hashing
from childsafe.audit import Actor
from childsafe.banks import Entry
from childsafe.store import Database
from childsafe.store.migrate import upgrade
from childsafe.vocabulary import Role

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from intake import Server  # noqa: E402

RESULTS = BENCH / "results"
LUA = BENCH / "post_files.lua"
ACTOR = Actor("bench", Role.ADMIN.value, "benchmark")


def benign_jpegs(folder: Path, count: int, seed: int = 1) -> list[Path]:
    """Smooth random colour fields with soft shapes: photo-like statistics, nothing depicted."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        low = rng.random((8, 8, 3))
        image = Image.fromarray((low * 255).astype(np.uint8)).resize((512, 512), Image.Resampling.BICUBIC)
        pixels = np.asarray(image).astype(np.int16) + rng.integers(-12, 12, (512, 512, 3))
        path = folder / f"{i:04d}.jpg"
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, quality=90)
        paths.append(path)
    return paths


def prepare(url: str, jpegs: list[Path], bank_size: int, match_share: float) -> str:
    upgrade(url)
    db = Database(url)
    rng = random.Random(7)
    with db.transaction() as session:
        token = access.create_key(session, Role.SERVICE, "bench", ACTOR).token
        bank = banks.create_bank(session, ACTOR, name="bench")
        matching = [hashing.hash_media(p.read_bytes(), algorithms=("pdq",))[0].value
                    for p in jpegs[: int(len(jpegs) * match_share)]]
        entries = [Entry(0, "pdq", f"{rng.getrandbits(256):064x}") for _ in range(bank_size)]
        entries += [Entry(0, "pdq", v) for v in matching]
        for start in range(0, len(entries), 50_000):
            banks.service.insert_entries(session, bank, entries[start:start + 50_000])
    db.dispose()
    return token


def cpu_seconds(pid: int) -> float:
    """CPU time of the server process, its threads and its worker processes: requests per CPU-second is the
    per-core rate."""
    process = psutil.Process(pid)
    total = 0.0
    for proc in (process, *process.children(recursive=True)):
        times = proc.cpu_times()
        total += times.user + times.system
    return total


def run_wrk(base: str, token: str, folder: Path, count: int, connections: int, duration: float, prefix: str,
            pid: int, *, path: str = "/v1/scan/media", content_type: str = "image/jpeg", extension: str = "jpg",
            threads: int = 2) -> dict:
    """Closed-loop wrk load posting the files in ``folder``; rates are also given per busy server core."""
    cpu_before = cpu_seconds(pid)
    cmd = ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{duration:g}s",
           "--timeout", "10s", "-s", str(LUA), base, "--", token, str(folder), str(count), prefix, path,
           content_type, extension]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    result = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    result["connections"] = connections
    result["ok_per_s"] = result["ok"] / result["seconds"]
    result["server_cores"] = (cpu_seconds(pid) - cpu_before) / result["seconds"]
    result["ok_per_core_s"] = result["ok_per_s"] / max(result["server_cores"], 1e-9)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bank-size", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--match-share", type=float, default=0.05)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "img").mkdir()
        jpegs = benign_jpegs(work / "img", args.images)
        url = f"sqlite:///{work / 'bench.db'}"
        token = prepare(url, jpegs, args.bank_size, args.match_share)
        server = Server(url, 1, "WARNING", work / "server.log")
        server.start()
        try:
            runs = []
            for connections in (1, 2, 4):
                runs.append(run_wrk(server.base, token, work / "img", len(jpegs), connections, args.duration,
                                    f"c{connections}", server.proc.pid))
            best = max(runs, key=lambda r: r["ok_per_s"])
            for factor in (2, 16):
                time.sleep(1)
                run = run_wrk(server.base, token, work / "img", len(jpegs), best["connections"] * factor,
                              args.duration, f"x{factor}", server.proc.pid)
                run["label"] = f"{factor}x sustainable concurrency"
                runs.append(run)
        finally:
            server.stop()
    lines = [f"# HTTP scan: 512x512 JPEG upload -> MD5 + SHA-256 + PDQ -> match against {args.bank_size:,} PDQ "
             "hashes (one server process)", "",
             "| connections | load | 200/s | server cores busy | 200/s per core | 503 shed | other | timeouts "
             "| p50 ms | p99 ms | max ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['connections']} | {r.get('label', 'closed loop')} | {r['ok_per_s']:.1f} | "
                     f"{r['server_cores']:.2f} | {r['ok_per_core_s']:.1f} | {r['shed']} | "
                     f"{r['other']} | {r['timeouts']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} |")
    lines += ["", f"Sustainable: {best['ok_per_s']:.1f} scans/s at {best['connections']} connections, "
              f"{best['ok_per_core_s']:.1f} per busy server core (target >= 50/s per core)."]
    text = "\n".join(lines) + "\n"
    (RESULTS / "scan_http.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
