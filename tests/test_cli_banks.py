"""``childsafe banks …``, ``childsafe match`` and ``childsafe hash`` on videos, as installed console scripts."""

import json
import random

from childsafe import hashing
from test_cli import ok, run
from test_hashing import DATA

BRIDGE = DATA / "images" / "bridge-mods" / "aaa-orig.jpg"
UNRELATED = DATA / "images" / "misc" / "wee.jpg"
VIDEO = DATA / "video"


def test_bank_curation_and_matching_from_the_command_line(db_url, tmp_path):
    ok(run(db_url, "migrate"))
    ok(run(db_url, "banks", "create", "known", "--threshold", "31"))
    rng = random.Random(11)
    bridge = hashing.hash_media(BRIDGE.read_bytes(), algorithms=("pdq",))[0].value
    lines = [f"{rng.getrandbits(256):064x},synthetic-{i}" for i in range(300)]
    lines[10] = "not-a-hash"
    lines[20] = f"{bridge},bridge"
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(lines) + "\n")

    strict = run(db_url, "banks", "import", "known", str(listing), "--algorithm", "pdq", "--strict")
    assert strict.returncode == 1 and "line 11" in strict.stderr and "nothing was imported" in strict.stderr

    imported = ok(run(db_url, "banks", "import", "known", str(listing), "--algorithm", "pdq", "--batch", "100"))
    report = json.loads(imported.stdout.strip().splitlines()[-1])
    assert (report["added"], report["malformed"], report["status"]) == (299, 1, "done")
    assert "line 11:" in imported.stderr and "importing" in imported.stderr  # the bad line, and the progress bar

    assert "known" in ok(run(db_url, "banks", "list")).stderr
    stats = json.loads(ok(run(db_url, "banks", "stats", "known")).stdout)
    assert stats["hashes"] == 299 and stats["last_import"]["malformed"] == 1

    matched = run(db_url, "match", str(BRIDGE), str(UNRELATED))
    assert matched.returncode == 3, matched.stderr  # 3: something matched
    first, second = (json.loads(line) for line in matched.stdout.splitlines())
    assert first["verdict"] == "match" and first["matches"][0]["bank_item_id"] == "bridge"
    assert second["verdict"] == "no_match"

    removed = ok(run(db_url, "banks", "remove", "known", bridge, "--algorithm", "pdq", "--reason", "list retraction"))
    assert "retracted 1" in removed.stderr
    assert ok(run(db_url, "match", str(BRIDGE))).returncode == 0

    gone = ok(run(db_url, "banks", "remove", "known", "--bank"))
    assert "retracted 298" in gone.stderr
    assert run(db_url, "banks", "stats", "known").returncode == 1


def test_video_frame_lists_and_video_matching(db_url, tmp_path):
    ok(run(db_url, "migrate"))
    ok(run(db_url, "banks", "create", "videos"))
    imported = ok(run(db_url, "banks", "import", "videos", str(VIDEO / "pattern-sd-grey-bar.vpdq.txt")))
    assert json.loads(imported.stdout.strip().splitlines()[-1])["format"] == "vpdq"
    hashed = json.loads(ok(run(db_url, "hash", str(VIDEO / "pattern-hd-no-bar.mp4"))).stdout)
    assert hashed["kind"] == "video" and len(hashed["vpdq"]) >= 5 and "md5" in hashed
    matched = run(db_url, "match", str(VIDEO / "pattern-sd-grey-bar.mp4"), str(VIDEO / "chair-19-sd-bar.mp4"))
    assert matched.returncode == 3, matched.stderr
    same, other = (json.loads(line) for line in matched.stdout.splitlines())
    assert same["verdict"] == "match" and same["matches"][0]["bank_item_id"] == "pattern-sd-grey-bar"
    assert other["verdict"] == "no_match"
