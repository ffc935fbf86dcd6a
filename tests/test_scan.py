"""Scanning media over the API: matches, quality gate, allow banks, cases, retroactive matching,
confirmed material going into the local bank, bad uploads and back-pressure.

Benign images from ../shared/data/pdq stand in for "known material"; nothing here is abuse material.
"""

import asyncio
import hashlib
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.exceptions import HTTPException

from childsafe import hashing, jobs
from childsafe.api.routes.scan import ScanGate
from childsafe.scan import retro
from conftest import case_of, decide, report_body, submit
from test_hashing import DATA

BRIDGE = DATA / "images" / "bridge-mods"
ORIGINAL = (BRIDGE / "aaa-orig.jpg").read_bytes()
BLURRED = (BRIDGE / "blur-a-little.jpg").read_bytes()
SMALL = (DATA / "images" / "misc" / "small.jpg").read_bytes()
VIDEO = DATA / "video"
PROBLEM = "application/problem+json"


def pdq(data: bytes) -> hashing.HashValue:
    return next(v for v in hashing.hash_media(data, algorithms=("pdq",)))


def bank(client, keys, name="known", **options):
    response = client.post("/v1/banks", json={"name": name, **options}, headers=keys["child_safety_specialist"])
    assert response.status_code == 201, response.text
    return response.json()


def add(client, keys, name, *hashes, **extra):
    response = client.post(f"/v1/banks/{name}/hashes", headers=keys["child_safety_specialist"],
                           json={"hashes": [dict(h) | extra for h in hashes]})
    assert response.status_code == 200, response.text
    client.app.state.matcher.refresh()  # other processes catch up within index_refresh_seconds
    return response.json()["changed"]


def upload(client, keys, data: bytes, ctype="image/jpeg", **params):
    return client.post("/v1/scan/media", content=data, params=params,
                       headers=keys["service"] | {"Content-Type": ctype})


def test_an_upload_matching_an_abuse_bank_opens_a_top_priority_child_safety_case(client, keys):
    bank(client, keys)
    add(client, keys, "known", {"algorithm": "pdq", "value": pdq(ORIGINAL).value})
    response = upload(client, keys, BLURRED, content_id="post-1", account_id="acct-9")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["verdict"] == "match" and result["stored"] is True
    [match] = result["matches"]
    assert match["bank"] == "known" and match["category"] == "csam" and match["algorithm"] == "pdq"
    assert 0 < match["distance"] <= 31 and match["threshold"] == 31 and match["quality"] >= 50
    assert {h["algorithm"] for h in result["hashes"]} == {"md5", "sha256", "pdq"}

    specialist, moderator = keys["child_safety_specialist"], keys["moderator"]
    case = client.get(f"/v1/cases/{result['case_id']}", headers=specialist).json()
    assert (case["queue"], case["priority"], case["subject_platform_id"]) == ("child_safety", 0, "post-1")
    [signal] = case["signals"]
    assert signal["kind"] == "hash_match" and signal["details"]["bank"] == "known"
    assert client.get(f"/v1/cases/{result['case_id']}", headers=moderator).status_code == 403
    again = upload(client, keys, ORIGINAL, content_id="post-1").json()
    assert again["case_id"] == result["case_id"]  # the same content joins its open case


def test_hashes_only_scan_and_exact_matches(client, keys):
    bank(client, keys)
    md5 = hashlib.md5(b"synthetic", usedforsecurity=False).hexdigest()
    add(client, keys, "known", {"algorithm": "md5", "value": md5})
    body = {"hashes": [{"algorithm": "md5", "value": md5.upper()}], "content_id": "post-2"}
    result = client.post("/v1/scan/media", json=body, headers=keys["service"]).json()
    assert result["verdict"] == "match" and result["matches"][0]["distance"] == 0
    clean = client.post("/v1/scan/media", json={"hashes": [{"algorithm": "sha256", "value": "ab" * 32}]},
                        headers=keys["service"]).json()
    assert clean["verdict"] == "no_match" and clean["matches"] == [] and clean["case_id"] is None


@pytest.mark.parametrize(("hashes", "needle"), [
    ([{"algorithm": "pdq", "value": "ab" * 31}], "64 hexadecimal digits"),
    ([{"algorithm": "pdq", "value": "zz" * 32}], "non-hex"),
    ([{"algorithm": "md5", "value": "ab" * 32}], "32 hexadecimal digits"),
    ([{"algorithm": "photodna", "value": "ab"}], "algorithm"),
    ([], "at least one hash"),
])
def test_bad_hashes_are_named(client, keys, hashes, needle):
    response = client.post("/v1/scan/media", json={"hashes": hashes}, headers=keys["service"])
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert needle in response.text


def test_low_quality_hashes_never_claim_a_match(client, keys):
    bank(client, keys)
    low = pdq(SMALL)
    assert low.quality < 50
    add(client, keys, "known", {"algorithm": "pdq", "value": low.value})
    result = upload(client, keys, SMALL, content_id="post-3").json()
    assert result["verdict"] == "no_match" or result["verdict"] == "low_quality"
    assert result["matches"] == [] and result["low_quality"] is True and result["case_id"] is None
    sent = client.post("/v1/scan/media", headers=keys["service"],
                       json={"hashes": [{"algorithm": "pdq", "value": low.value, "quality": low.quality}]}).json()
    assert (sent["verdict"], sent["matches"]) == ("low_quality", [])


def test_an_allow_bank_suppresses_a_known_false_positive(client, keys):
    bank(client, keys)
    bank(client, keys, "false-positives", kind="allow", threshold=8)
    value = pdq(ORIGINAL).value
    add(client, keys, "known", {"algorithm": "pdq", "value": value})
    add(client, keys, "false-positives", {"algorithm": "pdq", "value": value})
    result = upload(client, keys, ORIGINAL, content_id="post-4").json()
    assert result["verdict"] == "suppressed" and result["matches"] == [] and result["case_id"] is None
    assert result["suppressed"][0]["suppressed_by"] == "false-positives"


def test_dihedral_scanning_finds_a_rotated_copy(client, keys):
    bank(client, keys)
    dih = DATA / "images" / "dih"
    add(client, keys, "known", {"algorithm": "pdq", "value": pdq((dih / "bridge-1-original.jpg").read_bytes()).value})
    rotated = (dih / "bridge-2-rotate-90.jpg").read_bytes()
    assert upload(client, keys, rotated).json()["verdict"] == "no_match"
    result = upload(client, keys, rotated, dihedral="true").json()
    assert result["verdict"] == "match" and result["matches"][0]["variant"] != "original"


def test_media_seen_before_is_matched_when_a_bank_gains_its_hash(client, keys, db):
    bank(client, keys)
    first = upload(client, keys, ORIGINAL, content_id="old-post", account_id="acct-1").json()
    assert first["verdict"] == "no_match" and first["stored"]
    add(client, keys, "known", {"algorithm": "pdq", "value": pdq(BLURRED).value})
    assert jobs.run_due(db) >= 1
    cases = client.get("/v1/cases", params={"queue": "child_safety"}, headers=keys["child_safety_specialist"]).json()
    [case] = [c for c in cases if c["subject_platform_id"] == "old-post"]
    detail = client.get(f"/v1/cases/{case['id']}", headers=keys["child_safety_specialist"]).json()
    assert detail["signals"][0]["details"]["retroactive"] is True
    with db.transaction() as session:  # the job may run twice (at-least-once): nothing is signalled twice
        retro.rescan(session, {"bank_id": 1, "after_id": 0, "last_id": 10})
    assert len(client.get(f"/v1/cases/{case['id']}", headers=keys["child_safety_specialist"]).json()["signals"]) == 1
    add(client, keys, "known", {"algorithm": "pdq", "value": pdq(ORIGINAL).value})
    jobs.run_due(db)
    detail = client.get(f"/v1/cases/{case['id']}", headers=keys["child_safety_specialist"]).json()
    assert len(detail["signals"]) == 2


def test_a_confirmed_decision_puts_the_hashes_in_the_local_bank(client, keys, db):
    specialist = keys["child_safety_specialist"]
    upload(client, keys, ORIGINAL, content_id="post-5")  # scanned on upload: no bank knows it yet
    upload(client, keys, ORIGINAL, content_id="post-6")  # the same picture posted again elsewhere
    body = report_body(reason="sexual_image_of_child", subject__platform_id="post-5", subject__content_type="image")
    reference = submit(client, keys["service"], body)["reference"]
    case_id = case_of(client, specialist, reference)
    decision = decide(client, specialist, case_id, action="remove", category="csam", ground="illegal_content",
                      policy_ground="18 U.S.C. 2256", explanation="Confirmed by a specialist.",
                      confirm_abuse_material=True)
    assert decision["action"] == "remove"
    stats = client.get("/v1/banks/confirmed-local", headers=specialist).json()["stats"]
    assert stats["by_algorithm"] == {"md5": 1, "sha256": 1, "pdq": 1}
    jobs.run_due(db)  # retroactive matching finds the other upload of the same picture
    cases = client.get("/v1/cases", params={"queue": "child_safety"}, headers=specialist).json()
    assert "post-6" in {c["subject_platform_id"] for c in cases}


def test_only_specialists_confirm_abuse_material(client, keys):
    reference = submit(client, keys["service"], report_body(reason="bullying_me"))["reference"]
    case_id = case_of(client, keys["moderator"], reference)
    client.post(f"/v1/cases/{case_id}/claim", headers=keys["moderator"])
    response = client.post(f"/v1/cases/{case_id}/decision", headers=keys["moderator"], json={
        "action": "remove", "category": "csam", "policy_ground": "x", "explanation": "y",
        "confirm_abuse_material": True})
    assert response.status_code == 403


@pytest.mark.parametrize(("data", "ctype", "status", "needle"), [
    (b"", "image/jpeg", 422, "empty"),
    (ORIGINAL[: len(ORIGINAL) // 3], "image/jpeg", 422, "corrupt or truncated"),
    (b"just some words", "image/png", 422, "not an image"),
    (b"hello", "text/plain", 415, "media"),
])
def test_bad_uploads_get_clear_errors_and_store_nothing(client, keys, db, data, ctype, status, needle):
    response = upload(client, keys, data, ctype=ctype, content_id="bad-1")
    assert response.status_code == status and response.headers["content-type"] == PROBLEM
    assert needle in response.text
    from sqlalchemy import func, select

    from childsafe.scan import SeenMedia

    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SeenMedia)) == 0


def test_uploads_over_the_limit_are_refused_before_reading(keys, settings, db):
    from fastapi.testclient import TestClient

    from childsafe.api import create_app

    small = create_app(settings.model_copy(update={"max_upload_bytes": 4096}), db=db)
    with TestClient(small, raise_server_exceptions=False) as client:
        response = upload(client, keys, ORIGINAL)
        assert response.status_code == 413 and "4096" in response.text


def test_the_gate_sheds_load_quickly_instead_of_queueing(monkeypatch):
    async def scenario() -> list[str]:
        gate = ScanGate(limit=1, wait=0.05)
        outcomes: list[str] = []

        async def one() -> None:
            try:
                async with gate:
                    await asyncio.sleep(0.3)
                outcomes.append("served")
            except HTTPException as exc:
                outcomes.append(f"{exc.status_code} {exc.headers['Retry-After']}")

        start = asyncio.get_running_loop().time()
        await asyncio.gather(*(one() for _ in range(4)))
        assert asyncio.get_running_loop().time() - start < 0.6
        return outcomes

    # A loop of its own in a thread: Playwright's sync API (the browser tests) may own this thread's loop.
    with ThreadPoolExecutor(1) as pool:
        outcomes = pool.submit(asyncio.run, scenario()).result()
    assert sorted(outcomes) == ["503 1", "503 1", "503 1", "served"]


def test_a_video_matches_a_bank_of_vpdq_frames(client, keys):
    bank(client, keys)
    frames = [line.split(",") for line in (VIDEO / "chair-19-sd-bar.vpdq.txt").read_text().split()]
    add(client, keys, "known", *({"algorithm": "vpdq", "value": h, "quality": int(q), "frame_time": float(t)}
                                 for _, q, h, t in frames), item_id="chair-19")
    video = (VIDEO / "chair-20-sd-bar.mp4").read_bytes()
    result = upload(client, keys, video, ctype="video/mp4", content_id="clip-1").json()
    assert result["video_frames"] > 5
    assert result["verdict"] == "match", result
    [match] = result["matches"]
    assert match["algorithm"] == "vpdq" and match["bank_item_id"] == "chair-19" and match["query_match"] >= 0.8
    unrelated = upload(client, keys, (VIDEO / "doorknob-hd-no-bar.mp4").read_bytes(), ctype="video/mp4").json()
    assert unrelated["verdict"] == "no_match"


def test_a_video_longer_than_the_limit_is_refused(keys, settings, db):
    from fastapi.testclient import TestClient

    from childsafe.api import create_app

    short = create_app(settings.model_copy(update={"max_video_seconds": 2}), db=db)
    with TestClient(short, raise_server_exceptions=False) as client:
        response = upload(client, keys, (VIDEO / "chair-19-sd-bar.mp4").read_bytes(), ctype="video/mp4")
        assert response.status_code == 422 and "more than the 2 s allowed" in response.text


def test_bank_api_round_trip(client, keys):
    created = bank(client, keys, "fp", kind="allow", threshold=12)
    assert (created["kind"], created["threshold"]) == ("allow", 12)
    assert client.post("/v1/banks", json={"name": "fp"}, headers=keys["admin"]).status_code == 409
    assert client.post("/v1/banks", json={"name": "x", "threshold": 99}, headers=keys["admin"]).status_code == 422
    rng = random.Random(1)
    values = [f"{rng.getrandbits(256):064x}" for _ in range(3)]
    assert add(client, keys, "fp", *({"algorithm": "pdq", "value": v} for v in values)) == 3
    patched = client.patch("/v1/banks/fp", json={"enabled": False}, headers=keys["admin"]).json()
    assert patched["enabled"] is False
    removed = client.post("/v1/banks/fp/retractions", headers=keys["admin"],
                          json={"hashes": [{"algorithm": "pdq", "value": values[0]}]}).json()
    assert removed["changed"] == 1
    detail = client.get("/v1/banks/fp", headers=keys["compliance"]).json()
    assert detail["stats"]["hashes"] == 2 and detail["stats"]["removed"] == 1
    index = client.get("/v1/index", headers=keys["admin"]).json()
    assert index["algorithms"]["pdq"]["entries"] == 2
    assert client.delete("/v1/banks/fp", headers=keys["admin"]).status_code == 204
    assert client.get("/v1/banks/fp", headers=keys["admin"]).status_code == 404


def test_long_platform_ids_are_accepted(client, keys):
    """Regression (schemathesis): a 200-character content id overflowed the audit log's object id."""
    response = upload(client, keys, ORIGINAL, content_id="c" * 200, account_id="a" * 200)
    assert response.status_code == 200, response.text
    assert upload(client, keys, ORIGINAL, content_id="c" * 201).status_code == 422
