"""End-to-end HTTP text scanning: ``POST /v1/scan/text`` with batches of chat messages.

Message texts are our seed examples and benign set (short chat messages, as a platform sends them), shuffled into
batches. Closed-loop load from wrk (on the same 2-core machine, so client and server share it) at rising
concurrency, for batch sizes 1, 16 and 64, against one and two server worker processes. Messages per second is
200 answers times batch size / seconds; "per busy server core" divides by the server's CPU use in the run.

    .venv/bin/python bench/text_http.py [--duration 10]

Writes bench/results/text_http.md and prints it. Needs wrk (Debian package).
"""

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import httpx

from childsafe import access
from childsafe.audit import Actor
from childsafe.detect import training
from childsafe.store import Database
from childsafe.store.migrate import upgrade
from childsafe.vocabulary import Role

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from intake import Server  # noqa: E402
from scan_http import run_wrk  # noqa: E402

RESULTS = BENCH / "results"
ACTOR = Actor("bench", Role.ADMIN.value, "benchmark")
TARGET = 1000  # messages/s over HTTP on this 2-core machine, batched (issue 4)


def messages() -> list[str]:
    seed = training.load_seed_examples().texts
    benign = [b["text"] for b in training.load_benign()]
    return seed + benign


def write_batches(folder: Path, texts: list[str], batch: int, files: int) -> None:
    rng = random.Random(batch)
    for i in range(files):
        chosen = [rng.choice(texts) for _ in range(batch)]
        body = {"text": chosen[0]} if batch == 1 else {"texts": chosen}
        (folder / f"{i:04d}.json").write_text(json.dumps(body), encoding="utf-8")


def warm_up(base: str, token: str, folder: Path) -> None:
    """Load the model in every worker before measuring (the first request in a process pays for it)."""
    body = (folder / "0000.json").read_bytes()
    for _ in range(20):
        httpx.post(f"{base}/v1/scan/text", content=body, timeout=60,
                   headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}).raise_for_status()


def prepare(url: str) -> str:
    upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        token = access.create_key(session, Role.SERVICE, "bench", ACTOR).token
    db.dispose()
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--batches", default="1,16,64")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    texts = messages()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'bench.db'}"
        token = prepare(url)
        for size in (int(b) for b in args.batches.split(",")):
            (work / f"b{size}").mkdir()
            write_batches(work / f"b{size}", texts, size, 100)
        for workers in (int(w) for w in args.workers.split(",")):
            server = Server(url, workers, "WARNING", work / "server.log")
            server.start()
            try:
                warm_up(server.base, token, work / "b1" if (work / "b1").exists() else next(work.glob("b*")))
                for size in (int(b) for b in args.batches.split(",")):
                    for connections in (2, 4, 8):
                        run = run_wrk(server.base, token, work / f"b{size}", 100, connections, args.duration,
                                      f"w{workers}b{size}c{connections}", server.proc.pid, path="/v1/scan/text",
                                      content_type="application/json", extension="json", threads=1)
                        run |= {"workers": workers, "batch": size, "messages_per_s": run["ok_per_s"] * size}
                        rows.append(run)
                        print(f"workers {workers} batch {size:3d} c{connections}: "
                              f"{run['messages_per_s']:8.0f} msg/s p99 {run['p99_ms']:.1f} ms", flush=True)
            finally:
                server.stop()
    lines = ["# HTTP text scanning: POST /v1/scan/text (wrk and the server share this 2-core machine)", "",
             "| server workers | batch | connections | requests/s | messages/s | server cores busy "
             "| messages/s per busy core | non-200 | p50 ms | p99 ms |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['workers']} | {r['batch']} | {r['connections']} | {r['ok_per_s']:.0f} | "
                     f"{r['messages_per_s']:.0f} | {r['server_cores']:.2f} | "
                     f"{r['messages_per_s'] / max(r['server_cores'], 1e-9):.0f} | {r['shed'] + r['other']} | "
                     f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
    best = max(rows, key=lambda r: r["messages_per_s"])
    lines += ["", f"Best: {best['messages_per_s']:.0f} messages/s (batch {best['batch']}, {best['workers']} "
              f"worker(s), {best['connections']} connections); target >= {TARGET} messages/s."]
    text = "\n".join(lines) + "\n"
    (RESULTS / "text_http.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
