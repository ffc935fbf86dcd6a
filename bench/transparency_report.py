"""DSA transparency report over a million decisions on PostgreSQL (goal: at most 10 s).

Loads ``--decisions`` decisions with their cases, reports (about one per case that came from a
notice, a fifth with a second one) and appeals (5 % of restrictions, a fifth of those overturned),
spread over 2026, straight into the capabilities' tables with COPY (benchmark data only; the
service never writes like this). Then, side by side in one run, medians over ``--reps``:

* ``report year``: ``transparency.report.build`` for the whole year (every section, every median);
* ``report month``: the same for one month (the time-column indexes of migration 0005 at work);
* ``daily year``: ``transparency.daily`` for 365 days (the console's figures);
* ``naive decisions``: fetching the year's decision rows into Python and counting them there, the
  baseline the SQL aggregation is measured against (it computes far less than the report).

    .venv/bin/python bench/transparency_report.py [--url postgresql://postgres@127.0.0.1:5432/h_dsa_bench]
        [--decisions 1000000] [--reps 5] [--reuse]
"""

import argparse
import json
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy import create_engine, make_url, text

from childsafe.store import Database
from childsafe.store.migrate import upgrade
from childsafe.transparency import daily, report

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
SECONDS_IN_YEAR = 365 * 24 * 3600
CATEGORIES = [("cyberbullying", 30), ("hate", 15), ("adult_content", 15), ("violent_content", 8), ("self_harm", 5),
              ("sexting", 5), ("grooming", 4), ("csam", 3), ("sextortion", 2), ("predatory_commerce", 4),
              ("privacy_violation", 4), ("other", 5)]
ACTIONS = [("remove", 45), ("restrict_visibility", 10), ("age_gate", 5), ("suspend_temporary", 5),
           ("suspend_permanent", 2), ("warn", 8), ("no_violation", 25)]
RESTRICTING = {"remove", "restrict_visibility", "age_gate", "suspend_temporary", "suspend_permanent"}
VISIBILITY = {"remove": "DECISION_VISIBILITY_CONTENT_REMOVED",
              "restrict_visibility": "DECISION_VISIBILITY_CONTENT_DEMOTED",
              "age_gate": "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED"}
TABLES = ("appeals_appeal", "reports_report", "decisions_decision", "cases_case")


def weighted(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


def rows(count: int, seed: int = 7) -> Iterator[tuple[str, tuple[object, ...]]]:
    """(table, row) in dependency order per case; deterministic for a given seed."""
    rng = random.Random(seed)
    cats, cat_w = weighted(CATEGORIES)
    acts, act_w = weighted(ACTIONS)
    for i in range(count):
        case_id, decision_id = uuid.uuid4(), uuid.uuid4()
        category = rng.choices(cats, cat_w)[0]
        action = rng.choices(acts, act_w)[0]
        created = YEAR_START + timedelta(seconds=rng.randrange(SECONDS_IN_YEAR - 86400 * 3))
        acted = created + timedelta(hours=rng.expovariate(1 / 6))
        reported = rng.random() < 0.85
        automated = rng.random() < (0.9 if not reported else 0.1)
        trusted = reported and rng.random() < 0.05
        child_safety = category in ("csam", "grooming", "sextortion", "sexting")
        appeal = action in RESTRICTING and rng.random() < 0.05
        decided_appeal = appeal and rng.random() < 0.9
        overturned = decided_appeal and rng.random() < 0.2
        yield "cases_case", (case_id, f"k{i}", "content", f"post-{i}", "unknown", category, json.dumps([category]),
                             "child_safety" if child_safety else "general", 3, created + timedelta(days=1), "decided",
                             child_safety, False, reported, trusted, False, automated, 1, created, acted, acted, acted,
                             decision_id)
        statement = None
        if action in RESTRICTING:
            source = ("SOURCE_TRUSTED_FLAGGER" if trusted else "SOURCE_TYPE_OTHER_NOTIFICATION" if reported
                      else "SOURCE_VOLUNTARY")
            record: dict[str, object] = {
                "puid": f"example-{decision_id}", "category": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
                "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT", "source_type": source,
                "automated_detection": "Yes" if automated else "No",
                "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED", "content_type": ["CONTENT_TYPE_TEXT"],
                "application_date": acted.date().isoformat(), "content_date": created.date().isoformat()}
            if action in VISIBILITY:
                record["decision_visibility"] = [VISIBILITY[action]]
            else:
                record["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
            statement = json.dumps(record)
        yield "decisions_decision", (decision_id, case_id, action, category,
                                     "illegal_content" if category == "csam" else "terms", "[]", "mod-1", "moderator",
                                     False, acted, "adult", statement, "reverted" if overturned else "in_force",
                                     acted + timedelta(days=3) if overturned else None)
        if reported:
            for n in range(2 if rng.random() < 0.2 else 1):
                received = created + timedelta(minutes=n * rng.randrange(1, 600))
                yield "reports_report", (uuid.uuid4(), f"CS-{i:09d}-{n}", "0" * 64, received, "svc",
                                         "trusted_flagger" if trusted else "in_app", False, "unknown",
                                         "trusted_flagger" if trusted else "bystander", "content", f"post-{i}", "{}",
                                         "[]", "other_reason", category, False, "null", False, case_id,
                                         "no_violation" if action == "no_violation" else "action_taken",
                                         max(acted, received), decision_id)
        if appeal:
            submitted = acted + timedelta(hours=rng.uniform(1, 200))
            decided = submitted + timedelta(hours=rng.expovariate(1 / 30)) if decided_appeal else None
            yield "appeals_appeal", (uuid.uuid4(), decision_id, case_id, child_safety, "affected_user", "k", "adult",
                                     "grounds", submitted, "svc", "decided" if decided_appeal else "open",
                                     ("overturned" if overturned else "upheld") if decided_appeal else None,
                                     decided, "mod-2" if decided_appeal else None)


COLUMNS = {
    "cases_case": ("id, subject_key, subject_type, subject_platform_id, subject_age_band, category, categories, queue, "
                   "priority, sla_due_at, status, child_safety, imminent_risk, has_reports, has_trusted_flagger, "
                   "has_illegal_content_notice, has_automated_signal, signal_count, created_at, updated_at, "
                   "closed_at, first_action_at, decision_id"),
    "decisions_decision": ("id, case_id, action, category, ground, territorial_scope, decided_by, decided_by_role, "
                           "automated, decided_at, affected_age_band, statement, status, reverted_at"),
    "reports_report": ("id, reference, request_sha256, received_at, submitted_by, channel, anonymous, "
                       "reporter_age_band, reporter_role, subject_type, subject_platform_id, subject, messages, "
                       "reason_code, category, imminent_risk, notice, wants_updates, case_id, outcome, outcome_at, "
                       "decision_id"),
    "appeals_appeal": ("id, decision_id, case_id, child_safety, appellant_role, appellant_key, appellant_age_band, "
                       "grounds, submitted_at, submitted_by, status, outcome, decided_at, decided_by"),
}


def load(url: str, count: int) -> dict[str, int]:
    """Four COPY streams on four connections, fed row by row as the generator produces them."""
    counts: Counter[str] = Counter()
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
    with ExitStack() as stack:
        copies = {}
        for table in TABLES:
            conn = stack.enter_context(psycopg.connect(conninfo))
            cursor = stack.enter_context(conn.cursor())
            copies[table] = stack.enter_context(cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN"))
        for table, row in rows(count):
            copies[table].write_row(row)
            counts[table] += 1
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {', '.join(TABLES)}")
    return dict(counts)


def median_seconds(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/h_dsa_bench")
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the data already loaded")
    args = parser.parse_args()

    base = make_url(args.url)
    admin = create_engine(base.set(database="postgres", drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": base.database}).first():
            conn.execute(text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()
    upgrade(args.url)
    db = Database(args.url)
    if not args.reuse:
        start = time.perf_counter()
        counts = load(db.url, args.decisions)
        print(f"loaded {counts} in {time.perf_counter() - start:.1f} s")
    with db.transaction() as session:
        n = session.execute(text("SELECT count(*) FROM decisions_decision")).scalar_one()
    print(f"decisions in the database: {n:,}")

    def build(start: date, end: date) -> report.TransparencyReport:
        with db.transaction() as session:
            return report.build(session, start, end, platform="bench")

    def days() -> None:
        with db.transaction() as session:
            daily(session, date(2026, 1, 1), date(2026, 12, 31))

    def naive() -> None:
        with db.transaction() as session:
            counted = Counter()
            for row in session.execute(text(
                    "SELECT category, action, ground, statement->>'source_type', status FROM decisions_decision "
                    "WHERE decided_at >= '2026-01-01' AND decided_at < '2027-01-01'")):
                counted[tuple(row)] += 1

    year = build(date(2026, 1, 1), date(2026, 12, 31))
    print(f"year report: {year.figure('D', 'decisions', category='')} decisions, "
          f"{year.figure('B', 'notices_received', category='')} notices, "
          f"{year.figure('E', 'complaints_received', category='')} complaints, median first action "
          f"{year.figure('D', 'median_hours_to_first_action', category='')} h")
    results = {
        "report year": median_seconds(lambda: build(date(2026, 1, 1), date(2026, 12, 31)), args.reps),
        "report month": median_seconds(lambda: build(date(2026, 6, 1), date(2026, 6, 30)), args.reps),
        "daily year": median_seconds(days, args.reps),
        "naive decisions": median_seconds(naive, args.reps),
    }
    print(f"\nmedians over {args.reps} runs ({n:,} decisions, PostgreSQL):")
    for name, seconds in results.items():
        print(f"  {name:<16} {seconds:8.2f} s")
    print(f"  report year / naive decision fetch: {results['report year'] / results['naive decisions']:.2f}x")
    print(f"  goal: report year <= 10 s: {'met' if results['report year'] <= 10 else 'MISSED'}")
    db.dispose()


if __name__ == "__main__":
    main()
