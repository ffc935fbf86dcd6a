#!/usr/bin/env python
"""Report intake over HTTP on loopback, SQLite and PostgreSQL side by side. See bench/README.md.

Per repetition and backend: a fresh database (a new SQLite file; a PostgreSQL database of its own,
dropped and created again), ``childsafe migrate``, a ``service`` key, then ``childsafe serve`` (or
``uvicorn --workers N``) in a subprocess. Load is ``POST /v1/reports`` with a valid report and a
unique Idempotency-Key per request, spread over ``--subjects`` subjects (so reports both open and join
cases), in two modes:

* closed loop (throughput): ``--connections`` keep-alive connections, each sending its next request
  as soon as the previous answer arrives, for ``--duration`` seconds; by wrk when it is installed,
  otherwise by the built-in asyncio client;
* open loop (latency at a target rate): requests are started at ``--rate`` per second whatever the
  server does, and latency is measured from the moment each request was due, so a stalled server
  cannot hide its queue (no coordinated omission). Built-in asyncio client.

reports/s counts 2xx answers only. Results: a table on stdout (medians over repetitions) and JSON
under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from childsafe import access
from childsafe.audit import Actor
from childsafe.reports.models import Report
from childsafe.store import Database
from childsafe.store.migrate import upgrade
from childsafe.vocabulary import Role

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
LUA = BENCH / "intake.lua"
PG_ADMIN_DEFAULT = os.environ.get("CHILDSAFE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- databases


def fresh_database(backend: str, workdir: Path, pg_admin_url: str, pg_name: str) -> str:
    if backend == "sqlite":
        path = workdir / "intake.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = Database(pg_admin_url)
    try:
        engine = admin.engine.execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
    finally:
        admin.dispose()
    return make_url(pg_admin_url).set(database=pg_name).render_as_string(hide_password=False)


def prepare(url: str) -> str:
    """Migrate and create a service key; returns the key's token."""
    upgrade(url)
    db = Database(url)
    try:
        with db.transaction() as session:
            return access.create_key(session, Role.SERVICE, "bench", Actor("bench", Role.ADMIN.value)).token
    finally:
        db.dispose()


def stored_reports(url: str) -> int:
    db = Database(url)
    try:
        with db.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(Report)) or 0)
    finally:
        db.dispose()


# --------------------------------------------------------------------------- CPU accounting


def _proc_stats() -> dict[int, tuple[int, str, int]]:
    """pid -> (ppid, comm, CPU ticks) for every readable process.

    Ticks include reaped children (cutime, cstime): PostgreSQL backends that exit during a run (pool
    overflow connections are closed on return) are accounted to the postmaster that reaped them."""
    stats = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        stats[int(entry.name)] = (int(fields[1]), comm, sum(int(v) for v in fields[11:15]))
    return stats


def _tree_ticks(stats: dict[int, tuple[int, str, int]], root: int) -> int:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][2]
        todo.extend(children.get(pid, []))
    return total


def _machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def background_busy(seconds: float = 1.0) -> float:
    """Machine CPU busy % with no load applied: other tenants of a shared machine skew every figure."""
    busy0, total0 = _machine_ticks()
    time.sleep(seconds)
    busy1, total1 = _machine_ticks()
    return round(100 * (busy1 - busy0) / max(total1 - total0, 1), 1)


@dataclass
class CpuSample:
    server: int
    postgres: int
    busy: int
    total: int
    at: float

    @classmethod
    def take(cls, server_pids: list[int]) -> CpuSample:
        stats = _proc_stats()
        busy, total = _machine_ticks()
        postgres = sum(t for _, comm, t in stats.values() if comm.startswith("postgres"))
        return cls(sum(_tree_ticks(stats, pid) for pid in server_pids), postgres, busy, total, time.monotonic())

    def usage_since(self, start: CpuSample) -> dict[str, float]:
        seconds = max(self.at - start.at, 1e-9)
        return {"server_cores": round((self.server - start.server) / CLK_TCK / seconds, 2),
                "postgres_cores": round((self.postgres - start.postgres) / CLK_TCK / seconds, 2),
                "machine_busy_pct": round(100 * (self.busy - start.busy) / max(self.total - start.total, 1), 1)}


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, url: str, workers: int, log_level: str, logfile: Path, *, uvicorn: bool = False,
                 switch_interval: float = 0.0, nodelay_fix: bool = True) -> None:
        self.url, self.workers, self.log_level, self.logfile = url, workers, log_level, logfile
        self.uvicorn = uvicorn or workers > 1
        self.switch_interval = switch_interval
        self.nodelay_fix = nodelay_fix
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHILDSAFE_")}
        env |= {"CHILDSAFE_DATABASE_URL": self.url, "CHILDSAFE_LOG_LEVEL": self.log_level}
        if self.switch_interval:
            env["BENCH_SWITCH_INTERVAL"] = str(self.switch_interval)
        if self.nodelay_fix:
            env["BENCH_NODELAY"] = "1"
        if not self.uvicorn:
            childsafe = Path(sys.executable).with_name("childsafe")
            cmd = [str(childsafe) if childsafe.exists() else "childsafe", "serve", "--port", str(self.port),
                   "--no-migrate"]
        else:
            cmd = [sys.executable, "-m", "uvicorn", "_app:create", "--factory", "--app-dir", str(BENCH),
                   "--port", str(self.port), "--workers", str(self.workers), "--no-access-log",
                   "--timeout-graceful-shutdown", "10"]
        log = self.logfile.open("ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.logfile}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not become healthy; see {self.logfile}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


# --------------------------------------------------------------------------- load: wrk


@dataclass
class LoadResult:
    loadgen: str
    mode: str  # closed | open
    requests: int
    ok: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    connections: int = 0
    rate: float = 0.0

    @property
    def reports_per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def run_wrk(bases: list[str], token: str, prefix: str, connections: int, threads: int, duration: float,
            subjects: int) -> LoadResult:
    """One wrk per server replica, connections split between them. With several replicas the
    percentiles reported are the worst of the per-replica ones (wrk's histograms cannot be merged)."""
    procs = []
    for i, base in enumerate(bases):
        share = connections // len(bases) + (i < connections % len(bases))
        cmd = ["wrk", "-t", str(min(threads, share)), "-c", str(share), "-d", f"{duration:g}s", "--timeout", "10s",
               "-s", str(LUA), base, "--", token, f"{prefix}r{i}", str(subjects)]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    parts = []
    for proc in procs:
        out, err = proc.communicate(timeout=duration + 60)
        if proc.returncode != 0:
            raise RuntimeError(f"wrk failed: {err}")
        parts.append(json.loads([line for line in out.splitlines() if line.startswith("{")][-1]))
    errors: dict[str, int] = {}
    for part in parts:
        for key, value in part["errors"].items():
            errors[key] = errors.get(key, 0) + value
    return LoadResult("wrk", "closed", sum(p["requests"] for p in parts), sum(p["ok"] for p in parts),
                      max(p["seconds"] for p in parts), max(p["p50_ms"] for p in parts),
                      max(p["p90_ms"] for p in parts), max(p["p99_ms"] for p in parts),
                      max(p["max_ms"] for p in parts), errors, connections=connections)


# --------------------------------------------------------------------------- load: asyncio client


def _body(n: int, subjects: int) -> bytes:
    subject = n % subjects
    return json.dumps({
        "channel": "in_app",
        "reporter": {"platform_user_id": f"user-{n}", "age_band": "10_12", "role": "victim"},
        "subject": {"type": "content", "platform_id": f"post-{subject}", "account_id": f"acct-{subject % 97}",
                    "content_type": "text", "url": f"https://platform.example/p/{subject}", "age_band": "adult"},
        "reason": "bullying_me", "free_text": "they keep calling me names", "wants_updates": True,
    }, separators=(",", ":")).encode()


class _Conn:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol (Content-Length bodies)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = (f"POST /v1/reports HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                     "Content-Type: application/json\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, key: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(self.head + f"Idempotency-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                          + body)
        try:
            status = int((await self.reader.readline()).split()[1])
            length = 0
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            if length:
                await self.reader.readexactly(length)
        except (IndexError, ValueError, asyncio.IncompleteReadError, ConnectionError):
            self.close()
            return 0
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def _result(mode: str, latencies: list[float], statuses: list[int], seconds: float, **extra: Any) -> LoadResult:
    latencies.sort()
    ok = sum(200 <= s < 300 for s in statuses)
    errors = {"status": sum(s >= 300 for s in statuses), "connect_or_read": sum(s == 0 for s in statuses)}
    ms = [v * 1000 for v in latencies]
    return LoadResult("asyncio", mode, len(statuses), ok, seconds, _percentile(ms, 50), _percentile(ms, 90),
                      _percentile(ms, 99), ms[-1] if ms else float("nan"), errors, **extra)


async def _closed_loop(ports: list[int], token: str, prefix: str, connections: int, duration: float,
                       subjects: int) -> LoadResult:
    latencies: list[float] = []
    statuses: list[int] = []
    counter = iter(range(1 << 62))
    start = time.perf_counter()
    deadline = start + duration

    async def worker(k: int) -> None:
        conn = _Conn(ports[k % len(ports)], token)
        while time.perf_counter() < deadline:
            n = next(counter)
            t0 = time.perf_counter()
            status = await conn.post(f"{prefix}-{n}", _body(n, subjects))
            latencies.append(time.perf_counter() - t0)
            statuses.append(status)
        conn.close()

    await asyncio.gather(*(worker(k) for k in range(connections)))
    return _result("closed", latencies, statuses, time.perf_counter() - start, connections=connections)


async def _open_loop(ports: list[int], token: str, prefix: str, rate: float, duration: float, subjects: int,
                     connections: int) -> LoadResult:
    latencies: list[float] = []
    statuses: list[int] = []
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()

    async def producer() -> None:
        start = time.perf_counter()
        total = int(rate * duration)
        for n in range(total):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((n, due))
        for _ in range(connections):
            queue.put_nowait(None)

    async def worker(k: int) -> None:
        conn = _Conn(ports[k % len(ports)], token)
        while (item := await queue.get()) is not None:
            n, due = item
            status = await conn.post(f"{prefix}-{n}", _body(n, subjects))
            latencies.append(time.perf_counter() - due)  # from when it was due: queueing counts
            statuses.append(status)
        conn.close()

    start = time.perf_counter()
    await asyncio.gather(producer(), *(worker(k) for k in range(connections)))
    return _result("open", latencies, statuses, time.perf_counter() - start, connections=connections, rate=rate)


# --------------------------------------------------------------------------- profiling


def _start_profiler(pid: int, backend: str, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """py-spy (pip install py-spy) samples the server during the first closed-loop run: collapsed stacks."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out = RESULTS / f"profile-{backend}.txt"
    cmd = [py_spy, "record", "--pid", str(pid), "--duration", str(int(args.duration)), "--rate", "250",
           "--nonblocking", "--subprocesses", "--format", "raw", "--output", str(out)]
    if args.profile == "gil":
        cmd.append("--gil")  # only the thread holding the GIL: where the one usable core goes
    elif args.profile == "idle":
        cmd.append("--idle")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --------------------------------------------------------------------------- orchestration


def one_backend(backend: str, rep: int, args: argparse.Namespace, workdir: Path, loadgen: str) -> dict[str, Any]:
    url = fresh_database(backend, workdir, args.pg_admin_url, args.pg_database)
    token = prepare(url)
    servers = [Server(url, args.workers, args.log_level, workdir / f"server-{backend}-{i}.log", uvicorn=args.uvicorn,
                      switch_interval=args.switch_interval, nodelay_fix=not args.no_nodelay_fix)
               for i in range(args.replicas)]
    record: dict[str, Any] = {"backend": backend, "rep": rep}
    try:
        for server in servers:
            server.start()
        pids = [server.proc.pid for server in servers if server.proc is not None]
        ports = [server.port for server in servers]
        record["background_busy_pct"] = background_busy()
        prefix = uuid.uuid4().hex[:8]
        if args.warmup > 0:
            asyncio.run(_closed_loop(ports, token, f"warm{prefix}", args.connections, args.warmup, args.subjects))
        if args.duration > 0:
            profiler = _start_profiler(pids[0], backend, args) if args.profile and rep == 0 else None
            before = CpuSample.take(pids)
            if loadgen == "wrk":
                closed = run_wrk([server.base for server in servers], token, prefix, args.connections,
                                 args.wrk_threads, args.duration, args.subjects)
            else:
                closed = asyncio.run(_closed_loop(ports, token, prefix, args.connections, args.duration,
                                                  args.subjects))
            record["closed"] = asdict(closed) | {"reports_per_s": round(closed.reports_per_s, 1)} | (
                CpuSample.take(pids).usage_since(before))
            if profiler is not None:
                profiler.wait(60)
        if args.rate > 0:
            before = CpuSample.take(pids)
            opened = asyncio.run(_open_loop(ports, token, f"open{prefix}", args.rate, args.open_duration,
                                            args.subjects, args.open_connections))
            record["open"] = asdict(opened) | {"reports_per_s": round(opened.reports_per_s, 1)} | (
                CpuSample.take(pids).usage_since(before))
    finally:
        for server in servers:
            server.stop()
    record["rows_stored"] = stored_reports(url)
    return record


def summarise(runs: list[dict[str, Any]], backends: list[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for backend in backends:
        mine = [r for r in runs if r["backend"] == backend]
        summary[backend] = {}
        for mode in ("closed", "open"):
            rows = [r[mode] for r in mine if mode in r]
            if not rows:
                continue
            summary[backend][mode] = {
                key: round(statistics.median(row[key] for row in rows), 2)
                for key in ("reports_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "server_cores",
                            "postgres_cores", "machine_busy_pct")
            } | {"non_2xx_total": sum(row["requests"] - row["ok"] for row in rows), "reps": len(rows),
                 "background_busy_pct": statistics.median(r["background_busy_pct"] for r in mine)}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per backend (medians are reported)")
    parser.add_argument("--duration", type=float, default=10, help="closed-loop seconds per repetition (0: skip)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of untimed load before measuring")
    parser.add_argument("--connections", type=int, default=8, help="closed-loop concurrent connections")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "asyncio"], default="auto",
                        help="closed-loop client: wrk if installed (auto), or the built-in asyncio client")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--rate", type=float, default=500, help="open-loop reports/s (0: skip the open loop)")
    parser.add_argument("--open-duration", type=float, default=10, help="open-loop seconds per repetition")
    parser.add_argument("--open-connections", type=int, default=16,
                        help="open-loop connection pool size (bounds the requests in flight at the server)")
    parser.add_argument("--subjects", type=int, default=1000, help="distinct reported subjects (cases)")
    parser.add_argument("--workers", type=int, default=1,
                        help="1: `childsafe serve` (one process); N>1: `uvicorn --workers N` via bench/_app.py")
    parser.add_argument("--replicas", type=int, default=1,
                        help="independent server processes on their own ports, load spread evenly over them "
                             "(what a load balancer in front of several replicas does)")
    parser.add_argument("--uvicorn", action="store_true",
                        help="run `uvicorn bench/_app.py:create --workers N` even for N=1 (instead of childsafe serve)")
    parser.add_argument("--no-nodelay-fix", action="store_true",
                        help="with --workers>1: leave uvicorn's missing TCP_NODELAY (Kludex/uvicorn#3149) as it is")
    parser.add_argument("--switch-interval", type=float, default=0.0,
                        help="with --uvicorn or --workers>1: sys.setswitchinterval in the server (default 0.005)")
    parser.add_argument("--log-level", default="INFO", help="server CHILDSAFE_LOG_LEVEL (INFO logs every request)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_DEFAULT,
                        help="PostgreSQL URL used to (re)create the benchmark database")
    parser.add_argument("--pg-database", default="bench_intake", help="database dropped and created per repetition")
    parser.add_argument("--profile", choices=["gil", "cpu", "idle"], default=None,
                        help="sample the server with py-spy during the first closed-loop run "
                             "(bench/results/profile-<backend>.txt, collapsed stacks): 'gil' samples only the thread "
                             "holding the GIL, 'cpu' every running thread, 'idle' waiting ones too")
    parser.add_argument("--workdir", type=Path, default=RESULTS / "work")
    args = parser.parse_args(argv)

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    loadgen = args.loadgen if args.loadgen != "auto" else ("wrk" if shutil.which("wrk") else "asyncio")
    args.workdir.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y%m%d-%H%M%S")
    server_label = "childsafe serve" if args.workers <= 1 and not args.uvicorn else f"uvicorn --workers {args.workers}"
    if args.replicas > 1:
        server_label = f"{args.replicas} x {server_label}"
    print(f"intake benchmark: {backends}, {args.reps} reps, closed loop {args.duration:g}s x {args.connections} "
          f"connections ({loadgen}), open loop {args.rate:g}/s x {args.open_duration:g}s, "
          f"server {server_label}"
          f"{f' switch interval {args.switch_interval:g}s' if args.switch_interval else ''}, "
          f"log level {args.log_level}, {os.cpu_count()} CPUs", flush=True)

    runs = []
    for rep in range(args.reps):
        order = backends if rep % 2 == 0 else backends[::-1]  # alternate, so drift hits both alike
        for backend in order:
            record = one_backend(backend, rep, args, args.workdir, loadgen)
            runs.append(record)
            parts = [f"rep {rep + 1} {backend:10}"]
            for mode in ("closed", "open"):
                if mode in record:
                    r = record[mode]
                    parts.append(f"{mode}: {r['reports_per_s']:7.1f}/s p50 {r['p50_ms']:6.1f} ms "
                                 f"p99 {r['p99_ms']:6.1f} ms non-2xx {r['requests'] - r['ok']}")
            parts.append(f"rows {record['rows_stored']} | idle-machine busy {record['background_busy_pct']}%")
            print(" | ".join(parts), flush=True)

    summary = summarise(runs, backends)
    print("\nmedians over repetitions")
    print(f"{'backend':11} {'mode':7} {'reports/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'server cores':>13} "
          f"{'pg cores':>9} {'machine busy':>13}")
    for backend, modes in summary.items():
        for mode, s in modes.items():
            print(f"{backend:11} {mode:7} {s['reports_per_s']:10.1f} {s['p50_ms']:8.1f} {s['p99_ms']:8.1f} "
                  f"{s['server_cores']:13.2f} {s['postgres_cores']:9.2f} {s['machine_busy_pct']:12.1f}%")
    target = summary.get("postgresql", {})
    if target:
        closed, opened = target.get("closed"), target.get("open")
        verdict = []
        if closed:
            verdict.append(f"closed-loop throughput {closed['reports_per_s']:.0f}/s "
                           f"({'meets' if closed['reports_per_s'] >= 500 else 'below'} 500/s)")
        if opened:
            ok = opened["reports_per_s"] >= 0.98 * args.rate and opened["p99_ms"] <= 50
            verdict.append(f"at {args.rate:g}/s offered: {opened['reports_per_s']:.0f}/s served, "
                           f"p99 {opened['p99_ms']:.1f} ms ({'meets' if ok else 'misses'} p99 <= 50 ms)")
        print("PostgreSQL target (>= 500 reports/s, p99 <= 50 ms): " + "; ".join(verdict))

    out = RESULTS / f"intake-{started}.json"
    out.write_text(json.dumps({
        "started": started, "argv": sys.argv[1:] if argv is None else argv, "loadgen": loadgen,
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "pg_admin_url"},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "summary": summary, "runs": runs,
    }, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
