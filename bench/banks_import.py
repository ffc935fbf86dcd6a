"""Hash-list import: N synthetic PDQ hashes (plain ``hash,id`` lines) into a bank, timed end to end,
on SQLite and PostgreSQL side by side in one run, then the same file again (all duplicates: the
cost of a resumed or repeated import), and the matcher catching up from the database versus
loading its snapshot (what a restart costs).

    .venv/bin/python bench/banks_import.py [--hashes 10000000] [--backends sqlite postgresql]

Writes bench/results/banks_import.md and prints it.
"""

import argparse
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from childsafe import banks
from childsafe.audit import Actor
from childsafe.banks import Matcher
from childsafe.store import Database
from childsafe.store.migrate import upgrade
from childsafe.vocabulary import Role

RESULTS = Path(__file__).resolve().parent / "results"
ACTOR = Actor("bench", Role.ADMIN.value, "benchmark")


def write_list(path: Path, count: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    with path.open("w") as handle:
        for i in range(count):
            handle.write(f"{rng.getrandbits(256):064x},synthetic-{i}\n")


def fresh_url(backend: str, work: Path, pg_admin: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{work / 'import.db'}"
    engine = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS childsafe_bench_import"))
        conn.execute(text("CREATE DATABASE childsafe_bench_import"))
    engine.dispose()
    return pg_admin.rsplit("/", 1)[0] + "/childsafe_bench_import"


def one(backend: str, path: Path, count: int, work: Path, pg_admin: str) -> dict[str, float]:
    url = fresh_url(backend, work, pg_admin)
    upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        banks.create_bank(session, ACTOR, name="bench", source="file")
    start = time.perf_counter()
    report = banks.import_file(db, ACTOR, "bench", path, algorithm="pdq", batch_size=50_000)
    first = time.perf_counter() - start
    assert report.added == count, report
    start = time.perf_counter()
    again = banks.import_file(db, ACTOR, "bench", path, algorithm="pdq", batch_size=50_000)
    second = time.perf_counter() - start
    assert again.duplicates == count
    snapshots = work / f"{backend}-index"
    start = time.perf_counter()
    matcher = Matcher(db, snapshots).open()
    catch_up = time.perf_counter() - start
    matcher.save_snapshot()
    start = time.perf_counter()
    restarted = Matcher(db, snapshots).open()
    restart = time.perf_counter() - start
    assert len(restarted.indexes["pdq"]) == count
    db.dispose()
    return {"import_s": first, "lines_per_s": count / first, "reimport_s": second, "catch_up_s": catch_up,
            "restart_s": restart}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = work / "list.txt"
        write_list(path, args.hashes)
        for backend in args.backends:
            result = one(backend, path, args.hashes, work, args.pg_admin_url)
            rows.append((backend, result))
            print(backend, result, flush=True)
    lines = [f"# Bank import of {args.hashes:,} PDQ hashes (plain list, batches of 50,000)", "",
             "| database | import s | lines/s | same file again s | matcher catch-up from DB s "
             "| restart from snapshot s |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {b} | {r['import_s']:.1f} | {r['lines_per_s']:,.0f} | {r['reimport_s']:.1f} | {r['catch_up_s']:.1f} "
              f"| {r['restart_s']:.2f} |" for b, r in rows]
    text_out = "\n".join(lines) + "\n"
    (RESULTS / "banks_import.md").write_text(text_out)
    print(text_out)


if __name__ == "__main__":
    main()
