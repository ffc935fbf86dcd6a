"""Hash banks: list formats, imports (resumable, strict, malformed lines), retractions and the matcher.

Synthetic hashes only; the vPDQ frame lists are the benign ThreatExchange sample videos' hashes.
"""

import random
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from childsafe import banks
from childsafe.banks import Entry, Matcher, Query, formats
from childsafe.banks.models import BankHash
from childsafe.errors import Conflict, InvalidInput, NotFound
from childsafe.jobs.outbox import Job
from conftest import TEST_ACTOR
from test_hashing import DATA as SHARED

VIDEO = SHARED / "video"


def rand_hex(rng: random.Random, bits: int = 256) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def flip(value: str, n: int, rng: random.Random) -> str:
    number = int(value, 16)
    for bit in rng.sample(range(256), n):
        number ^= 1 << bit
    return f"{number:064x}"


def make_bank(db, name="known", **options):
    with db.transaction() as session:
        return banks.create_bank(session, TEST_ACTOR, name=name, **options).id


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ---- formats --------------------------------------------------------------------------------------

def test_formats_are_detected_and_read(tmp_path):
    rng = random.Random(1)
    pdq, md5 = rand_hex(rng), rand_hex(rng, 128)
    plain = write(tmp_path / "plain.txt", f"# a comment\n{pdq},item-1\n\n{pdq.upper()}\n")
    pytx = write(tmp_path / "pytx.txt", f"pdq {pdq}\nvideo_md5 {md5}\n")
    csv = write(tmp_path / "hma.csv", f"signal_type,signal,bank_content_id\npdq,{pdq},42\nmd5,{md5},43\n")
    assert [formats.detect(p) for p in (plain, pytx, csv)] == ["plain", "pytx", "csv"]
    assert formats.detect(VIDEO / "chair-19-sd-bar.vpdq.txt") == "vpdq"

    rows = [r for r, _ in formats.read(plain, "auto", algorithm="pdq")]
    assert rows == [Entry(2, "pdq", pdq, "item-1"), Entry(4, "pdq", pdq, "")]
    assert [(r.algorithm, r.value) for r, _ in formats.read(pytx, "auto")] == [("pdq", pdq), ("md5", md5)]
    assert [(r.algorithm, r.item_id, r.line) for r, _ in formats.read(csv, "auto")] == [("pdq", "42", 2),
                                                                                       ("md5", "43", 3)]
    frames = [r for r, _ in formats.read(VIDEO / "chair-19-sd-bar.vpdq.txt", "auto")]
    assert len(frames) > 500 and all(f.algorithm == "vpdq" and f.item_id == "chair-19-sd-bar" for f in frames)
    assert frames[1].frame_time == pytest.approx(0.033)


def test_malformed_lines_are_named_by_line_number(tmp_path):
    rng = random.Random(2)
    good = rand_hex(rng)
    path = tmp_path / "list.txt"
    path.write_bytes(f"{good}\n{good[:-1]}\nzz{good[2:]}\n".encode() + b"\xff\xfe\n" + f"{good},{'x' * 300}\n".encode())
    records = [r for r, _ in formats.read(path, "plain", algorithm="pdq")]
    bad = {r.line: r.reason for r in records if isinstance(r, formats.Malformed)}
    assert set(bad) == {2, 3, 4, 5}
    assert "64 hexadecimal digits" in bad[2] and "non-hex" in bad[3]
    assert "UTF-8" in bad[4] and "200 characters" in bad[5]
    plain64 = [r for r, _ in formats.read(write(tmp_path / "p.txt", f"{good}\n"), "plain")]
    assert isinstance(plain64[0], formats.Malformed) and "--algorithm" in plain64[0].reason


# ---- banks and imports ----------------------------------------------------------------------------

def test_bank_settings_are_validated(db):
    make_bank(db, "known")
    with db.transaction() as session, pytest.raises(Conflict):
        banks.create_bank(session, TEST_ACTOR, name="known")
    for bad in ({"threshold": 64}, {"kind": "maybe"}, {"source": "web"}, {"name": "no spaces"}):
        with db.transaction() as session, pytest.raises(InvalidInput):
            banks.create_bank(session, TEST_ACTOR, **({"name": "other"} | bad))
    with db.transaction() as session, pytest.raises(NotFound):
        banks.get_bank(session, "missing")


def test_import_counts_added_duplicates_and_malformed(db, tmp_path):
    make_bank(db)
    rng = random.Random(3)
    hashes = [rand_hex(rng) for _ in range(250)]
    lines = [*hashes, hashes[0], "not-a-hash", *hashes[:10]]
    path = write(tmp_path / "list.txt", "\n".join(lines) + "\n")
    progress: list[int] = []
    report = banks.import_file(db, TEST_ACTOR, "known", path, algorithm="pdq", batch_size=100,
                               on_progress=progress.append)
    assert (report.added, report.duplicates, report.malformed, report.status) == (250, 11, 1, "done")
    assert report.errors == [{"line": 252, "reason": report.errors[0]["reason"]}]
    assert progress[-1] == path.stat().st_size and progress == sorted(progress)
    with db.transaction() as session:
        stats = banks.stats(session, banks.get_bank(session, "known"))
        assert stats["hashes"] == 250 and stats["by_algorithm"] == {"pdq": 250}
        assert stats["last_import"]["malformed"] == 1
        # each committed batch asks for a retroactive rescan of exactly its new ids
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == banks.HASHES_ADDED)) == 3


def test_strict_import_aborts_before_writing_anything(db, tmp_path):
    make_bank(db)
    rng = random.Random(4)
    path = write(tmp_path / "list.txt", "\n".join([rand_hex(rng) for _ in range(50)] + ["oops"]) + "\n")
    with pytest.raises(banks.ImportAborted, match="line 51"):
        banks.import_file(db, TEST_ACTOR, "known", path, algorithm="pdq", strict=True)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(BankHash)) == 0


def test_an_interrupted_import_resumes_where_it_stopped(db, tmp_path):
    make_bank(db)
    rng = random.Random(5)
    hashes = [rand_hex(rng) for _ in range(1000)]
    path = write(tmp_path / "big.txt", "\n".join(hashes) + "\n")
    calls = []

    def crash_after_three_batches(offset: int) -> None:
        calls.append(offset)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the operator's ^C, or a killed process, between two batches

    with pytest.raises(KeyboardInterrupt):
        banks.import_file(db, TEST_ACTOR, "known", path, algorithm="pdq", batch_size=100,
                          on_progress=crash_after_three_batches)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(BankHash)) == 300
    report = banks.import_file(db, TEST_ACTOR, "known", path, algorithm="pdq", batch_size=100)
    assert report.resumed_from_line == 300
    assert (report.added, report.duplicates, report.status) == (1000, 0, "done")
    with db.transaction() as session:
        assert set(session.scalars(select(BankHash.value))) == set(hashes)
    again = banks.import_file(db, TEST_ACTOR, "known", path, algorithm="pdq")  # a finished file: a fresh run
    assert (again.resumed_from_line, again.added, again.duplicates) == (0, 0, 1000)


def test_retractions_by_hash_item_and_whole_bank(db):
    make_bank(db)
    rng = random.Random(6)
    values = [rand_hex(rng) for _ in range(5)]
    with db.transaction() as session:
        entries = [Entry(0, "pdq", v, f"item-{i % 2}") for i, v in enumerate(values)]
        assert banks.add_hashes(session, TEST_ACTOR, "known", entries) == 5
        assert banks.add_hashes(session, TEST_ACTOR, "known", entries) == 0
    with db.transaction() as session:
        assert banks.remove_hashes(session, TEST_ACTOR, "known", values=[("pdq", values[0].upper())]) == 1
        assert banks.remove_hashes(session, TEST_ACTOR, "known", item_ids=["item-1"]) == 2  # values 1 and 3
        assert banks.remove_hashes(session, TEST_ACTOR, "known", values=[("pdq", values[0])]) == 0
        with pytest.raises(InvalidInput):
            banks.remove_hashes(session, TEST_ACTOR, "known", values=[("pdq", "abc")])
    with db.transaction() as session:
        assert sorted(session.scalars(select(BankHash.value))) == sorted([values[2], values[4]])
        assert banks.delete_bank(session, TEST_ACTOR, "known") == 2
    with db.transaction() as session, pytest.raises(NotFound):
        banks.get_bank(session, "known")


# ---- the matcher ----------------------------------------------------------------------------------

def _search(db, matcher, values, **kw):
    with db.transaction() as session:
        return matcher.search(session, [Query("pdq", v, key=i) for i, v in enumerate(values)], **kw)


def test_per_bank_thresholds_enabled_flags_and_exact_hashes(db):
    rng = random.Random(7)
    make_bank(db, "strict", threshold=10)
    make_bank(db, "loose", threshold=31)
    base, md5 = rand_hex(rng), rand_hex(rng, 128)
    with db.transaction() as session:
        for name in ("strict", "loose"):
            banks.add_hashes(session, TEST_ACTOR, name, [Entry(0, "pdq", base), Entry(0, "md5", md5)])
    matcher = Matcher(db).open()
    near, far, unrelated = flip(base, 8, rng), flip(base, 20, rng), rand_hex(rng)
    hits = _search(db, matcher, [near, far, unrelated])
    assert sorted((h.key, h.bank.name, h.distance) for h in hits) == [(0, "loose", 8), (0, "strict", 8),
                                                                     (1, "loose", 20)]
    with db.transaction() as session:
        exact = matcher.search(session, [Query("md5", md5), Query("sha256", "0" * 64)])
        assert sorted(h.bank.name for h in exact) == ["loose", "strict"]
        banks.update_bank(session, TEST_ACTOR, "loose", enabled=False)
    matcher.refresh()
    assert [h.bank.name for h in _search(db, matcher, [far, near])] == ["strict"]
    assert _search(db, matcher, [near], banks=["loose"]) == []


def test_added_and_retracted_hashes_are_seen_by_a_following_matcher(db):
    rng = random.Random(8)
    make_bank(db)
    matcher = Matcher(db, refresh_seconds=0.1).open()
    matcher.start()
    try:
        value = rand_hex(rng)
        with db.transaction() as session:
            banks.add_hashes(session, TEST_ACTOR, "known", [Entry(0, "pdq", value)])
        assert _eventually(lambda: len(_search(db, matcher, [value])) == 1)
        with db.transaction() as session:
            banks.remove_hashes(session, TEST_ACTOR, "known", values=[("pdq", value)])
        assert _eventually(lambda: _search(db, matcher, [value]) == [])
    finally:
        matcher.stop()


def _eventually(check, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_snapshots_spare_a_restart_from_rereading_every_row(db, tmp_path):
    rng = random.Random(9)
    make_bank(db)
    values = [rand_hex(rng) for _ in range(2000)]
    with db.transaction() as session:
        banks.add_hashes(session, TEST_ACTOR, "known", [Entry(0, "pdq", v) for v in values])
    first = Matcher(db, tmp_path / "index").open()
    assert first.save_snapshot() is not None
    with db.transaction() as session:  # changes after the snapshot
        banks.add_hashes(session, TEST_ACTOR, "known", [Entry(0, "pdq", "f" * 64)])
        banks.remove_hashes(session, TEST_ACTOR, "known", values=[("pdq", values[0])])
    restarted = Matcher(db, tmp_path / "index")
    assert restarted._load_snapshot()
    assert restarted.refresh() == 2  # only what changed since the snapshot is read from the database
    assert len(restarted.indexes["pdq"]) == 2000
    assert _search(db, restarted, [values[0]]) == []
    assert len(_search(db, restarted, [values[1], "f" * 64])) == 2
