"""Concurrent writers, each thread in its own transaction, on SQLite and PostgreSQL: one open case
per subject, one report per Idempotency-Key, one reviewer per case, one decision per case, and an
audit chain that stays whole."""

import contextlib
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from childsafe import access, audit, cases, decisions, reports
from childsafe.audit import Actor
from childsafe.cases import service as case_service
from childsafe.errors import Conflict
from childsafe.jobs import outbox
from childsafe.store import Database
from conftest import report_body


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads started together; each result, or the exception raised."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = work(i)
        except Exception as exc:  # collected, so the test can say which outcome each caller saw
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return results


@pytest.fixture
def actors(db: Database, keys: dict[str, dict[str, str]]) -> dict[str, Actor]:
    """The actor behind each test API key, as the API would authenticate it."""
    with db.transaction() as session:
        found = {name: access.authenticate(session, h["Authorization"].removeprefix("Bearer ")) for name, h in
                 keys.items()}
    return {name: key.actor() for name, key in found.items() if key is not None}


@pytest.fixture
def rendezvous(monkeypatch) -> Callable[[int], None]:
    """Make ``parties`` callers of the case service all read the case before any of them writes.

    That is the worst interleaving for a read-check-write race. On SQLite, where BEGIN IMMEDIATE
    lets only one writer in at a time, the others cannot arrive: the wait gives up after a moment.
    """

    real_get = case_service.get

    def arm(parties: int) -> None:
        barrier = threading.Barrier(parties)

        def get(*args: Any, **kwargs: Any) -> cases.Case:
            case = real_get(*args, **kwargs)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=0.25)
            return case

        monkeypatch.setattr(case_service, "get", get)

    return arm


def report_in(**changes: Any) -> reports.ReportIn:
    return reports.ReportIn.model_validate(report_body(**changes))


def submit(db: Database, actor: Actor, data: reports.ReportIn, key: str | None = None) -> tuple[str, uuid.UUID, bool]:
    with db.transaction() as session:
        report, replayed = reports.submit(session, data, actor, idempotency_key=key)
        return report.reference, report.case_id, replayed


def open_case(db: Database, actor: Actor, platform_id: str) -> uuid.UUID:
    return submit(db, actor, report_in(subject__platform_id=platform_id))[1]


def assert_audit_chain_whole(db: Database) -> audit.VerifyResult:
    with db.transaction() as session:
        result = audit.verify(session)
        rows = session.scalar(select(func.count()).select_from(audit.AuditEntry))
    assert result.ok, result.problems
    assert result.checked == result.head_seq == rows
    return result


def audited(db: Database, action: str) -> list[audit.AuditEntry]:
    with db.transaction() as session:
        return audit.entries(session, action=action, limit=10_000)


def test_concurrent_reports_about_one_subject_share_one_open_case(db, actors):
    threads, per_thread = 8, 5
    subjects = ["post-1", "post-2"]  # even threads report one subject, odd threads the other

    def report_many(i: int) -> list[tuple[str, uuid.UUID, bool]]:
        data = report_in(subject__platform_id=subjects[i % 2], free_text=f"report from thread {i}")
        return [submit(db, actors["service"], data) for _ in range(per_thread)]

    results = in_threads(threads, report_many)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    submitted = [item for batch in results for item in batch]
    assert len({reference for reference, _, _ in submitted}) == threads * per_thread
    assert not any(replayed for _, _, replayed in submitted)

    with db.transaction() as session:
        for parity, platform_id in enumerate(subjects):
            expected = threads // 2 * per_thread
            case_ids = {case_id for i, batch in enumerate(results) if i % 2 == parity for _, case_id, _ in batch}
            [case] = session.scalars(select(cases.Case).where(cases.Case.subject_platform_id == platform_id)).all()
            assert case_ids == {case.id}
            assert (case.status, case.signal_count) == ("open", expected)
            assert len(reports.for_case(session, case.id)) == expected
            assert len(cases.signals(session, case.id)) == expected
    assert len(audited(db, "case.opened")) == 2
    assert len(audited(db, "report.received")) == threads * per_thread
    assert_audit_chain_whole(db)


def test_concurrent_retries_with_one_idempotency_key_store_one_report(db, actors):
    threads = 8
    data = report_in(free_text="please help")
    results = in_threads(threads, lambda _: submit(db, actors["service"], data, key="retry-1"))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert len({reference for reference, _, _ in results}) == 1
    assert len({case_id for _, case_id, _ in results}) == 1
    assert sorted(replayed for _, _, replayed in results) == [False] + [True] * (threads - 1)

    with db.transaction() as session:
        [report] = session.scalars(select(reports.Report)).all()
        assert (report.reference, report.idempotency_key) == (results[0][0], "retry-1")
        [case] = session.scalars(select(cases.Case)).all()
        assert case.signal_count == 1
    assert len(audited(db, "report.received")) == 1
    assert_audit_chain_whole(db)


def claim(db: Database, case_id: uuid.UUID, actor: Actor) -> str:
    with db.transaction() as session:
        return cases.claim(session, case_id, actor).assignee or ""


def test_two_reviewers_claiming_one_case_one_wins(db, actors, rendezvous):
    reviewers = [actors["moderator"], actors["moderator2"]]
    for round_ in range(3):
        case_id = open_case(db, actors["service"], f"claimed-{round_}")
        rendezvous(len(reviewers))
        results = in_threads(len(reviewers), lambda i, case_id=case_id: claim(db, case_id, reviewers[i]))
        winners = [r for r in results if isinstance(r, str)]
        losers = [r for r in results if isinstance(r, Conflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert "being reviewed by" in losers[0].detail
        with db.transaction() as session:
            assert session.get(cases.Case, case_id).assignee == winners[0]
            events = [e.kind for e in cases.history(session, case_id)[0]]
        assert events.count("claimed") == 1
    assert len(audited(db, "case.claimed")) == 3
    assert_audit_chain_whole(db)


def test_only_the_lock_holder_decides_and_only_once(db, actors, settings, rendezvous):
    holder, other = actors["moderator"], actors["moderator2"]
    case_id = open_case(db, actors["service"], "decided-once")
    assert claim(db, case_id, holder) == holder.label
    decision = decisions.DecisionIn(action="remove", policy_ground="Community Guidelines 3.1 (bullying)",
                                    explanation="Repeated insults aimed at another user.")

    def decide(actor: Actor) -> uuid.UUID:
        with db.transaction() as session:
            return decisions.decide(session, case_id, decision, actor, settings).id

    deciders = [holder, other, holder]  # the holder twice: a double click, or a retried request
    rendezvous(len(deciders))
    results = in_threads(len(deciders), lambda i: decide(deciders[i]))
    made = [r for r in results if isinstance(r, uuid.UUID)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 2, results
    assert isinstance(results[1], Conflict)  # the reviewer without the lock never decides

    with pytest.raises(Conflict, match="already decided"):
        decide(holder)
    with pytest.raises(Conflict, match="only open cases can be claimed"):
        claim(db, case_id, other)

    with db.transaction() as session:
        [only] = decisions.list_decisions(session, case_id=case_id)
        assert only.id == made[0] and only.decided_by == holder.label
        case = session.get(cases.Case, case_id)
        assert (case.status, case.decision_id, case.assignee) == ("decided", only.id, None)
        strikes, active = decisions.strikes_for(session, "acct-9")
        assert len(strikes) == active == 1
        events = [j.payload["type"] for j in outbox.jobs_of_kind(session, "notify.deliver")]
        assert events.count("enforcement.applied") == 1
    assert len(audited(db, "decision.made")) == 1
    assert_audit_chain_whole(db)


def test_audit_chain_stays_whole_under_mixed_concurrent_writes(db, actors, settings):
    """Reports, claims, decisions and key creation at once: every entry lands, in one unbroken chain."""
    claimable = [open_case(db, actors["service"], f"mixed-{i}") for i in range(4)]
    before = assert_audit_chain_whole(db).head_seq
    decision = decisions.DecisionIn(action="no_violation", note="nothing against the rules")
    reviewers = [actors["moderator"], actors["moderator2"]]

    def work(i: int) -> int:
        kind = i % 4
        for n in range(4):
            if kind == 0:
                submit(db, actors["service"], report_in(subject__platform_id=f"mixed-new-{i}-{n}"))
            elif kind == 1:
                submit(db, actors["service"], report_in(subject__platform_id="mixed-shared"))
            elif kind == 2:
                with db.transaction() as session:
                    access.create_key(session, "service", f"key-{i}-{n}", actors["admin"])
            elif n < 2:
                case_id, reviewer = claimable[(i // 4) * 2 + n], reviewers[i // 4]
                claim(db, case_id, reviewer)
                with db.transaction() as session:
                    decisions.decide(session, case_id, decision, reviewer, settings)
        return i

    threads = 8
    results = in_threads(threads, work)
    assert results == list(range(threads)), [r for r in results if isinstance(r, Exception)]

    result = assert_audit_chain_whole(db)
    new_cases = 2 * 4 * 2  # case.opened + report.received
    shared_case = 1 + 2 * 4  # one case.opened, then report.received each
    new_keys = 2 * 4
    claimed_and_decided = 2 * 2 * 2  # case.claimed + decision.made
    assert result.head_seq - before == new_cases + shared_case + new_keys + claimed_and_decided
    with db.transaction() as session:
        [shared] = session.scalars(select(cases.Case).where(cases.Case.subject_platform_id == "mixed-shared")).all()
        assert shared.signal_count == 8
        assert {session.get(cases.Case, c).status for c in claimable} == {"decided"}
