"""HammingIndex: exact against brute force, incremental, persistent, and consistent under concurrent updates.

Synthetic random codes and the benign shared hash lists only. Small ``segment_rows`` and ``delta_limit`` make
the small sets here exercise every level (several base segments, side sets, delta segment, tail, tombstones).
"""

import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from childsafe.index import CODE_BYTES, HammingIndex, SearchResult, codes_from_hex, hex_from_codes


def _shared_hashlists() -> Path:
    candidates = [Path(p) / "pdq" / "hashlists" for p in filter(None, [os.environ.get("CHILDSAFE_SHARED_DATA")])]
    candidates.append(Path(__file__).resolve().parents[2] / "shared" / "data" / "pdq" / "hashlists")
    for candidate in candidates:
        if (candidate / "haystack.txt").is_file():
            return candidate
    raise FileNotFoundError(f"hash lists not found in {', '.join(map(str, candidates))}; "
                            "set CHILDSAFE_SHARED_DATA to the shared data folder")


def brute(codes: np.ndarray, ids: np.ndarray, queries: np.ndarray, radius: int) -> list[tuple[int, int, int]]:
    """(query, id, distance) sorted like SearchResult, by plain numpy popcount."""
    out = []
    words = codes.view(np.uint64)
    for q, query in enumerate(queries.view(np.uint64)):
        dist = np.bitwise_count(words ^ query).sum(axis=1)
        for row in np.flatnonzero(dist <= radius):
            out.append((q, int(ids[row]), int(dist[row])))
    return sorted(out, key=lambda t: (t[0], t[2], t[1]))


def triples(result: SearchResult) -> list[tuple[int, int, int]]:
    return list(zip(result.query.tolist(), result.ids.tolist(), result.distances.tolist(), strict=True))


def flipped(codes: np.ndarray, rng: np.random.Generator, max_flips: int = 40) -> np.ndarray:
    """Each row with k distinct random bits flipped, k uniform in 0..max_flips."""
    out = codes.copy()
    for row in out:
        bits = rng.choice(256, int(rng.integers(0, max_flips + 1)), replace=False)
        np.bitwise_xor.at(row, bits // 8, (1 << (bits % 8)).astype(np.uint8))
    return out


def clustered(n: int, rng: np.random.Generator) -> np.ndarray:
    """D3-like: 10 % near seeds (0-20 bits), 1 % near-zero, rest uniform; plus 2 % exact copies of one code."""
    n_cluster, n_low, n_same = n // 10, n // 100, n // 50
    seeds = rng.integers(0, 256, (max(1, n_cluster // 100), CODE_BYTES), dtype=np.uint8)
    cluster = flipped(seeds[rng.integers(0, seeds.shape[0], n_cluster)], rng, 20)
    low = np.zeros((n_low, CODE_BYTES), dtype=np.uint8)
    for row in low:
        bits = rng.integers(0, 256, rng.integers(0, 9))
        np.bitwise_or.at(row, bits // 8, (1 << (bits % 8)).astype(np.uint8))
    same = np.repeat(rng.integers(0, 256, (1, CODE_BYTES), dtype=np.uint8), n_same, axis=0)
    uniform = rng.integers(0, 256, (n - n_cluster - n_low - n_same, CODE_BYTES), dtype=np.uint8)
    return np.concatenate([cluster, low, same, uniform])[rng.permutation(n)]


def queries_for(codes: np.ndarray, rng: np.random.Generator, planted: int = 120, random: int = 40) -> np.ndarray:
    near = flipped(codes[rng.integers(0, codes.shape[0], planted)], rng)
    exact = codes[rng.integers(0, codes.shape[0], 5)]
    return np.concatenate([near, exact, rng.integers(0, 256, (random, CODE_BYTES), dtype=np.uint8)])


@pytest.fixture(scope="module")
def uniform_index():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (60_000, CODE_BYTES), dtype=np.uint8)
    ids = rng.choice(10**12, 60_000, replace=False).astype(np.int64)
    index = HammingIndex(segment_rows=16_384, delta_limit=3_000)
    index.add(ids[:55_000], codes[:55_000])
    for start in range(55_000, 60_000, 700):  # the rest arrives in small batches: delta, tail, compactions
        index.add(ids[start : start + 700], codes[start : start + 700])
    return index, ids, codes, queries_for(codes, rng)


# --------------------------------------------------------------------------- exactness


@pytest.mark.parametrize("radius", [0, 8, 31, 47, 63])
def test_uniform_matches_brute_force(uniform_index, radius):
    index, ids, codes, queries = uniform_index
    stats = index.stats()
    assert stats["segments"] >= 3 and stats["delta"] > 0, stats
    expected = brute(codes, ids, queries, radius)
    assert triples(index.search(queries, radius)) == expected
    assert len(expected) >= (1 if radius == 0 else 20)


@pytest.mark.parametrize("radius", [0, 8, 31, 47, 63])
def test_clustered_matches_brute_force(radius):
    rng = np.random.default_rng(2)
    codes = clustered(40_000, rng)
    ids = np.arange(40_000, dtype=np.int64) * 3
    index = HammingIndex(segment_rows=16_384)
    index.add(ids, codes)
    assert index.stats()["side"] > 0, "the oversized buckets (near-zero, copies) must go to the side set"
    queries = np.concatenate([queries_for(codes, rng, 100, 30), np.zeros((2, CODE_BYTES), np.uint8)])
    assert triples(index.search(queries, radius)) == brute(codes, ids, queries, radius)


def test_merged_segments_with_oversized_buckets_stay_exact():
    """Buckets that only grow past the cap during merges move rows to the side set without losing any."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (20_000, CODE_BYTES), dtype=np.uint8)
    index = HammingIndex(segment_rows=32_768, delta_limit=1_000)
    index.add(np.arange(0, 40_000, 2), base)
    same = np.repeat(base[:1], 3_000, axis=0)
    same[:, 5] = rng.integers(0, 256, 3_000, dtype=np.uint8)  # 3000 near-copies: one chunk differs
    for start in range(0, 3_000, 500):  # odd ids: inserted between the existing ones
        index.add(np.arange(1 + 2 * start, 1 + 2 * (start + 500), 2), same[start : start + 500])
    index.compact()
    assert index.stats()["side"] > 0
    codes = np.concatenate([base, same])
    ids = np.concatenate([np.arange(0, 40_000, 2), np.arange(1, 6_000, 2)])
    queries = np.concatenate([flipped(same[:20], rng, 30), flipped(base[:50], rng, 30)])
    for radius in (4, 31):
        assert triples(index.search(queries, radius)) == brute(codes, ids, queries, radius)


@pytest.mark.parametrize("radius", [0, 16, 31, 52])
def test_shared_hash_lists_match_brute_force(radius):
    folder = _shared_hashlists()
    haystack = codes_from_hex((folder / "haystack.txt").read_text().split())
    needles = codes_from_hex((folder / "needles.txt").read_text().split())
    ids = np.arange(haystack.shape[0], dtype=np.int64) + 1000
    index = HammingIndex()
    index.add(ids, haystack)
    assert triples(index.search(needles, radius)) == brute(haystack, ids, needles, radius)


def test_result_rows_are_sorted_unique_and_carry_tags():
    rng = np.random.default_rng(4)
    base = rng.integers(0, 256, (1, CODE_BYTES), dtype=np.uint8)
    codes = flipped(np.repeat(base, 300, axis=0), rng, 10)
    index = HammingIndex()
    index.add(np.arange(300) + 7, codes, tags=np.arange(300) % 5)
    result = index.search(np.repeat(base, 3, axis=0), 31)
    assert len(result) == 900 and result.query.dtype == np.int64 and result.distances.dtype == np.int32
    order = np.lexsort((result.ids, result.distances, result.query))
    assert np.array_equal(order, np.arange(len(result)))
    assert len(set(zip(result.query.tolist(), result.ids.tolist(), strict=True))) == 900
    assert np.array_equal(result.tags, (result.ids - 7) % 5) and result.tags.dtype == np.uint16
    only = index.search(base, 31, tags={1, 3})
    assert len(only) == 120 and set(only.tags.tolist()) == {1, 3}
    assert triples(index.search(base, 31, tags=(t for t in (3, 1)))) == triples(only)
    assert triples(index.search(base, 31, tags=np.array([1, 3, 3]))) == triples(only)
    assert len(index.search(base, 31, tags=[])) == 0
    assert np.array_equal(result.for_query(1).ids, result.ids[result.query == 1])


# --------------------------------------------------------------------------- incremental changes


def test_add_and_remove_are_visible_at_once():
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 256, (30_000, CODE_BYTES), dtype=np.uint8)
    index = HammingIndex(segment_rows=16_384, delta_limit=5_000)
    index.add(np.arange(30_000), codes)
    new = rng.integers(0, 256, (1, CODE_BYTES), dtype=np.uint8)
    index.add(np.array([10**12]), new, np.array([9]))
    assert 10**12 in index and len(index) == 30_001
    hit = index.search(new, 0)
    assert hit.ids.tolist() == [10**12] and hit.tags.tolist() == [9]
    assert index.remove([10**12, 10**12 + 1]) == 1  # unknown ids are ignored
    assert 10**12 not in index and len(index.search(new, 31)) == 0
    assert index.remove(np.arange(100, 200)) == 100  # base rows: tombstones
    assert len(index.search(codes[100:200], 0)) == 0 and len(index) == 29_900
    assert index.remove(np.arange(100, 200)) == 0
    assert 150 not in index and 250 in index


def test_remove_then_re_add_the_same_id_with_another_code():
    rng = np.random.default_rng(6)
    codes = rng.integers(0, 256, (20_000, CODE_BYTES), dtype=np.uint8)
    index = HammingIndex(segment_rows=8_192, delta_limit=2_000)
    index.add(np.arange(20_000), codes)
    replacement = rng.integers(0, 256, (5, CODE_BYTES), dtype=np.uint8)
    ids = np.array([3, 9_000, 19_999, 20_000, 20_001])
    index.add(ids[3:], replacement[3:])  # in the tail
    assert index.remove(ids) == 5
    index.add(ids, replacement)
    assert len(index) == 20_002
    assert triples(index.search(replacement, 0)) == [(i, int(v), 0) for i, v in enumerate(ids)]
    assert len(index.search(codes[[3, 9_000, 19_999]], 0)) == 0
    with pytest.raises(ValueError, match="already present"):
        index.add(ids[:1], replacement[:1])
    index.compact()
    assert triples(index.search(replacement, 0)) == [(i, int(v), 0) for i, v in enumerate(ids)]
    assert len(index.search(codes[[3, 9_000, 19_999]], 0)) == 0 and len(index) == 20_002


def test_compaction_preserves_results_and_drops_tombstones():
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 256, (40_000, CODE_BYTES), dtype=np.uint8)
    ids = rng.permutation(200_000)[:40_000].astype(np.int64)
    index = HammingIndex(segment_rows=16_384, delta_limit=10_000)
    index.add(ids[:30_000], codes[:30_000])
    for start in range(30_000, 40_000, 1_500):
        index.add(ids[start : start + 1_500], codes[start : start + 1_500])
    gone = ids[rng.choice(40_000, 3_000, replace=False)]
    index.remove(gone)
    before = index.stats()
    assert before["tombstones"] > 0 and before["delta"] > 0
    queries = queries_for(codes, rng)
    expected = triples(index.search(queries, 31))
    live = ~np.isin(ids, gone)
    assert expected == brute(codes[live], ids[live], queries, 31)
    index.compact()
    after = index.stats()
    assert after["tombstones"] == 0 and after["delta"] == 0 and after["entries"] == 37_000
    assert after["base"] == 37_000 and after["bytes"] < before["bytes"]
    assert triples(index.search(queries, 31)) == expected


def test_large_batches_split_segments_and_keep_ids_routable():
    rng = np.random.default_rng(8)
    codes = rng.integers(0, 256, (50_000, CODE_BYTES), dtype=np.uint8)
    index = HammingIndex(segment_rows=10_000, delta_limit=4_000)
    index.add(np.arange(20_000, 45_000), codes[:25_000])  # bulk load: full pieces
    index.add(np.arange(0, 10_000), codes[25_000:35_000])  # below the first segment
    index.add(np.arange(45_000, 60_000), codes[35_000:50_000])  # appended
    assert index.stats()["segments"] >= 5
    ids = np.concatenate([np.arange(20_000, 45_000), np.arange(0, 10_000), np.arange(45_000, 60_000)])
    assert all(int(i) in index for i in ids[::997]) and 15_000 not in index
    queries = queries_for(codes, rng, 60, 10)
    assert triples(index.search(queries, 31)) == brute(codes, ids, queries, 31)


# --------------------------------------------------------------------------- persistence


def test_save_and_load_round_trip(tmp_path, uniform_index):
    _, ids, codes, queries = uniform_index
    index = HammingIndex(segment_rows=16_384, delta_limit=3_000)
    index.add(ids[:50_000], codes[:50_000], tags=np.arange(50_000) % 7)
    index.add(ids[50_000:52_500], codes[50_000:52_500])  # delta
    index.add(ids[52_500:53_000], codes[52_500:53_000])  # tail
    index.remove(ids[::9])  # tombstones in base, delta and tail
    expected = index.search(queries, 31)
    index.save(tmp_path, checkpoint=1234)
    assert index.checkpoint == 1234
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["version"] == 1 and manifest["checkpoint"] == 1234
    for mmap in (False, True):
        loaded = HammingIndex.load(tmp_path, mmap=mmap)
        assert loaded.checkpoint == 1234 and len(loaded) == len(index)
        assert loaded.stats() == index.stats()
        got = loaded.search(queries, 31)
        assert triples(got) == triples(expected) and np.array_equal(got.tags, expected.tags)
        assert int(ids[0]) not in loaded and int(ids[1]) in loaded
    # a loaded index keeps changing and saving; old files are cleaned up
    loaded = HammingIndex.load(tmp_path)
    loaded.add(ids[53_000:54_000], codes[53_000:54_000])
    loaded.compact()
    files_before = set(os.listdir(tmp_path))
    loaded.save(tmp_path, checkpoint=1300)
    files_after = set(os.listdir(tmp_path))
    assert not files_before - {"manifest.json"} & files_after, "files of the previous save must be removed"
    again = HammingIndex.load(tmp_path)
    assert again.checkpoint == 1300 and len(again) == len(index) + 1_000
    assert not any(name.endswith(".tmp") for name in files_after)


def test_load_rejects_what_is_not_an_index(tmp_path):
    with pytest.raises(ValueError, match="missing"):
        HammingIndex.load(tmp_path)
    HammingIndex().save(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps(manifest | {"version": 99}))
    with pytest.raises(ValueError, match="version 99"):
        HammingIndex.load(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest | {"entries": 5}))
    with pytest.raises(ValueError, match="entries"):
        HammingIndex.load(tmp_path)


# --------------------------------------------------------------------------- concurrency


def test_searches_during_adds_removes_and_compactions_see_consistent_snapshots():
    """Readers never crash, never miss what was added before they started (and not being removed), and never
    return what was removed before they started, while a writer adds, removes and compacts."""
    rng = np.random.default_rng(9)
    total = 24_000
    codes = rng.integers(0, 256, (total, CODE_BYTES), dtype=np.uint8)
    index = HammingIndex(segment_rows=8_192, delta_limit=1_500)
    index.add(np.arange(8_000), codes[:8_000])
    clock_lock = threading.Lock()
    clock = [0]
    added_at = np.full(total, -1, dtype=np.int64)
    added_at[:8_000] = 0
    remove_started = np.full(total, np.iinfo(np.int64).max, dtype=np.int64)
    removed_at = np.full(total, np.iinfo(np.int64).max, dtype=np.int64)
    errors: list[BaseException] = []
    stop = threading.Event()
    checks = [0]

    def tick() -> int:
        with clock_lock:
            clock[0] += 1
            return clock[0]

    def writer() -> None:
        try:
            next_id = 8_000
            step = 0
            while next_id < total and not errors:
                size = int(rng.integers(1, 400))
                batch = np.arange(next_id, min(total, next_id + size))
                index.add(batch, codes[batch], batch % 3)
                added_at[batch] = tick()
                next_id = int(batch[-1]) + 1
                doomed = np.unique(rng.integers(0, next_id, 60))
                doomed = doomed[removed_at[doomed] == np.iinfo(np.int64).max]
                remove_started[doomed] = tick()
                index.remove(doomed)
                removed_at[doomed] = tick()
                step += 1
                if step % 15 == 0:
                    index.compact()
        except BaseException as error:
            errors.append(error)
        finally:
            stop.set()

    def reader(seed: int) -> None:
        local = np.random.default_rng(seed)
        try:
            while not stop.is_set():
                started = tick()
                sample = local.integers(0, total, 300)
                result = index.search(codes[sample], 0)
                ended = tick()
                returned = set(result.ids.tolist())
                for i in sample.tolist():
                    must = 0 <= added_at[i] < started and remove_started[i] > ended
                    must_not = removed_at[i] < started
                    if must and i not in returned:
                        raise AssertionError(f"missed id {i} (added at {added_at[i]}, search {started}-{ended})")
                    if must_not and i in returned:
                        raise AssertionError(f"returned id {i} removed at {removed_at[i]} before search at {started}")
                checks[0] += 1
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(s,)) for s in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[0]
    assert checks[0] >= 20, "the readers must have overlapped the writer"
    live = np.flatnonzero(removed_at == np.iinfo(np.int64).max)
    assert len(index) == live.size
    assert set(index.search(codes[live[:500]], 0).ids.tolist()) == set(live[:500].tolist())


# --------------------------------------------------------------------------- validation and edge cases


def test_hex_round_trip_and_errors():
    values = ["00" * 32, "ff" * 32, "0123456789abcdef" * 4, "ABCDEF0123456789" * 4]
    codes = codes_from_hex(values)
    assert codes.shape == (4, CODE_BYTES) and codes.dtype == np.uint8
    assert codes[2, :2].tolist() == [0x01, 0x23]
    assert hex_from_codes(codes) == [v.lower() for v in values]
    assert codes_from_hex([]).shape == (0, CODE_BYTES)
    for bad, message in [(["ab" * 31], "62 characters"), (["zz" * 32], "not hex"), (["é" * 64], "not hex"),
                         ("ab" * 32, "single string"), ([b"ab" * 32], "not a hex string")]:
        with pytest.raises(ValueError, match=message):
            codes_from_hex(bad)


def test_invalid_input_is_refused_with_value_error():
    index = HammingIndex()
    good = np.zeros((2, CODE_BYTES), dtype=np.uint8)
    cases = [
        (lambda: index.add([1, 2], good.astype(np.int64)), "dtype uint8"),
        (lambda: index.add([1, 2], np.zeros((2, 31), np.uint8)), r"shape \(n, 32\)"),
        (lambda: index.add([1, 2], good[0]), r"shape \(n, 32\)"),
        (lambda: index.add([1, 2], good.tolist()), "numpy uint8 array"),
        (lambda: index.add([1], good), "1 ids but 2 codes"),
        (lambda: index.add([1, 1], good), "duplicate ids"),
        (lambda: index.add([1.5, 2], good), "integers"),
        (lambda: index.add([1, 2], good, tags=[1]), "one tag per id"),
        (lambda: index.add([1, 2], good, tags=[1, 70_000]), "0..65535"),
        (lambda: index.search(good, -1), "0..63"),
        (lambda: index.search(good, 64), "0..63"),
        (lambda: index.search(good, True), "integer"),
        (lambda: index.search(good, 3.0), "integer"),
        (lambda: index.search(good, 3, tags=[-1]), "0..65535"),
        (lambda: index.remove([[1, 2]]), "one-dimensional"),
        (lambda: index.save("/nonexistent-dir-for-test", checkpoint="7"), "checkpoint"),
        (lambda: HammingIndex(delta_limit=0), "delta_limit"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    assert len(index) == 0
    index.add([1, 2], good)
    with pytest.raises(ValueError, match=r"already present: \[2\]"):
        index.add([3, 2], good)
    assert len(index) == 2 and 3 not in index


def test_empty_index_and_empty_inputs(tmp_path):
    index = HammingIndex()
    query = np.zeros((3, CODE_BYTES), dtype=np.uint8)
    result = index.search(query, 31)
    assert len(result) == 0 and result.ids.dtype == np.int64 and result.tags.dtype == np.uint16
    assert len(index) == 0 and 5 not in index and "5" not in index
    assert index.remove([1, 2]) == 0 and index.remove([]) == 0
    index.add(np.empty(0, np.int64), np.empty((0, CODE_BYTES), np.uint8))
    index.compact()
    assert index.stats()["entries"] == 0 and index.checkpoint == 0
    index.save(tmp_path, checkpoint=5)
    loaded = HammingIndex.load(tmp_path)
    assert len(loaded) == 0 and loaded.checkpoint == 5
    index.add([1], query[:1])
    assert len(index.search(np.empty((0, CODE_BYTES), np.uint8), 31)) == 0
    assert index.search(query, 0).query.tolist() == [0, 1, 2]
    index.remove([1])
    index.compact()
    assert len(index.search(query, 63)) == 0 and index.stats()["base"] == 0


def test_bulk_add_is_fast_enough_to_keep_the_suite_short():
    """Guards the vectorised build: 200k entries in well under the time a per-row loop would take."""
    rng = np.random.default_rng(10)
    codes = rng.integers(0, 256, (200_000, CODE_BYTES), dtype=np.uint8)
    index = HammingIndex()
    started = time.perf_counter()
    index.add(np.arange(200_000), codes)
    assert time.perf_counter() - started < 10
    # 32 B code + 8 B id + 2 B tag + 16 tables x 3 B per entry, plus 16 x 65537 uint32 bucket offsets
    assert index.stats()["bytes"] <= 200_000 * 90 + 16 * 65_537 * 4 + 4096


def test_complementary_codes_are_256_bits_apart_not_0():
    """Per-word popcounts summed in 8 bits would wrap 256 to 0; every path must recount."""
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 256, (5_000, CODE_BYTES), dtype=np.uint8)
    index = HammingIndex(segment_rows=4_096)
    index.add(np.arange(5_000), codes)
    index.add([5_000], codes[:1])  # the tail (brute force)
    complement = ~codes[:3]
    for radius in (0, 31, 47, 63):
        assert triples(index.search(complement, radius)) == brute(np.concatenate([codes, codes[:1]]),
                                                                  np.arange(5_001), complement, radius)
