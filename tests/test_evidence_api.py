"""The evidence vault over HTTP: preserving media and records, who may open what, blurred review and
deliberate reveal, holds, bad input, a missing key, tampering, and preservation of scanned matches."""

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from childsafe import evidence, hashing
from childsafe.config import Settings
from childsafe.evidence.models import EvidenceExposure, EvidenceItem
from test_evidence import ACCOUNT, audit_actions, benign_image, exif_jpeg, open_case, vault_settings

PROBLEM = "application/problem+json"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return vault_settings(db_url, tmp_path, max_upload_bytes=64 * 1024)


def upload(client, headers, case_id, data, ctype="image/png", **params):  # type: ignore[no-untyped-def]
    return client.post("/v1/evidence/media", content=data, params={"case_id": str(case_id), **params},
                       headers=headers | {"Content-Type": ctype})


def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    return response.json()


def test_preserve_list_review_reveal_and_read(client, keys, db):
    case_id, data = open_case(db), benign_image(3)
    specialist, moderator = keys["child_safety_specialist"], keys["moderator"]
    created = upload(client, keys["service"], case_id, data, filename="IMG_0001.png")
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["sha256"] == hashlib.sha256(data).hexdigest() and item["filename"] == "IMG_0001.png"
    record = client.post(f"/v1/cases/{case_id}/evidence", headers=keys["service"],
                         json={"kind": "account", "record": ACCOUNT, "source": "user-db"})
    assert record.status_code == 201, record.text

    listed = client.get(f"/v1/cases/{case_id}/evidence", headers=specialist).json()
    assert [i["kind"] for i in listed] == ["media", "account"]
    for path in (f"/v1/cases/{case_id}/evidence", f"/v1/evidence/{item['id']}", f"/v1/evidence/{item['id']}/image"):
        assert problem(client.get(path, headers=moderator), 403)["detail"].startswith("this case is restricted")

    blurred = client.get(f"/v1/evidence/{item['id']}/image", headers=specialist)
    assert blurred.status_code == 200 and blurred.headers["content-type"] == "image/png"
    assert blurred.headers["cache-control"] == "no-store"
    assert np.asarray(Image.open(io.BytesIO(blurred.content))).ndim == 2
    assert problem(client.get(f"/v1/evidence/{item['id']}/image", params={"reveal": "true"}, headers=specialist),
                   422)["errors"][0]["field"] == "reason"
    clear = client.get(f"/v1/evidence/{item['id']}/image", params={"reveal": "true", "reason": "confirm match"},
                       headers=specialist)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(clear.content))),
                          np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))

    problem(client.post(f"/v1/evidence/{item['id']}/read", json={}, headers=specialist), 422)
    raw = client.post(f"/v1/evidence/{item['id']}/read", json={"reason": "CyberTip upload"}, headers=specialist)
    assert raw.status_code == 200 and raw.content == data
    account = client.post(f"/v1/evidence/{record.json()['id']}/read", json={"reason": "CyberTip"},
                          headers=specialist)
    assert account.json() == ACCOUNT
    reads = audit_actions(db, "evidence.read")
    assert [(e.reason, e.actor_role) for e in reads] == [("CyberTip upload", "child_safety_specialist"),
                                                        ("CyberTip", "child_safety_specialist")]
    assert audit_actions(db, "evidence.revealed")[0].reason == "confirm match"

    with db.transaction() as session:  # the UTC day the views were counted on, even across midnight
        day = session.scalars(select(EvidenceExposure.day)).first()
    exposure = client.get("/v1/evidence/exposure", params={"day": day}, headers=specialist).json()
    assert (exposure["blurred"], exposure["revealed"], exposure["read"], exposure["items"]) == (1, 1, 1, 1)
    assert client.get("/v1/evidence/exposure", params={"day": day}, headers=moderator).json()["total"] == 0
    problem(client.get("/v1/evidence/exposure", params={"reviewer": exposure["actor_id"]}, headers=moderator), 403)
    assert client.get("/v1/evidence/exposure", params={"reviewer": exposure["actor_id"], "day": day},
                      headers=keys["compliance"]).json()["total"] == 3


@pytest.mark.parametrize(("body", "ctype", "status", "needle"), [
    (b"", "image/png", 422, "empty"),
    (b"x" * (64 * 1024 + 1), "image/png", 413, "at most"),
    (b"{}", "application/json", 422, "own content type"),
    (b"plain", "text/plain", 415, "media"),
])
def test_bad_uploads_are_problems_and_store_nothing(client, keys, db, settings, body, ctype, status, needle):
    case_id = open_case(db)
    assert needle in problem(upload(client, keys["service"], case_id, body, ctype), status)["detail"]
    assert problem(upload(client, keys["service"], "not-a-uuid", b"abc"), 422)
    problem(upload(client, keys["service"], "00000000-0000-7000-8000-000000000000", b"abc"), 404)
    assert not Path(settings.evidence_dir).exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({"kind": "ip_events", "record": {"events": [{"ip": "300.1.1.1", "at": "2026-01-01T00:00:00Z",
                                                  "event": "login"}]}}, "record.events.0.ip"),
    ({"kind": "account", "record": {}}, "record"),
    ({"kind": "passport", "record": {"a": 1}}, "body.kind"),
    ({"kind": "message_thread", "record": {"messages": [{"from": "a", "to": "b", "text": "hi"}]}},
     "record.messages.0.at"),
])
def test_malformed_records_are_problems(client, keys, db, payload, field):
    response = client.post(f"/v1/cases/{open_case(db)}/evidence", json=payload, headers=keys["service"])
    body = problem(response, 422)
    assert body["errors"][0]["field"] == field, body
    assert problem(client.post(f"/v1/cases/{open_case(db)}/evidence", content=b"{not json",
                               headers=keys["service"] | {"Content-Type": "application/json"}), 422)


def test_a_missing_key_fails_closed_and_the_rest_keeps_working(client, keys, db, settings):
    case_id = open_case(db)
    Path(settings.evidence_key_file).unlink()
    body = problem(upload(client, keys["service"], case_id, benign_image()), 503)
    assert body["title"] == "Evidence master key missing" and "key file" in body["detail"]
    assert not Path(settings.evidence_dir).exists()
    assert client.get("/healthz").status_code == 200
    assert client.get(f"/v1/cases/{case_id}", headers=keys["child_safety_specialist"]).status_code == 200


def test_tampered_evidence_is_a_conflict(client, keys, db):
    case_id = open_case(db)
    item = upload(client, keys["service"], case_id, benign_image()).json()
    with db.transaction() as session:
        path = evidence.vault_for(session).store.path(item["id"].replace("-", ""))  # type: ignore[attr-defined]
        assert session.get(EvidenceItem, __import__("uuid").UUID(item["id"])) is not None
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    body = problem(client.post(f"/v1/evidence/{item['id']}/read", json={"reason": "check"},
                               headers=keys["child_safety_specialist"]), 409)
    assert body["title"] == "Evidence failed its integrity check"
    problem(client.get(f"/v1/evidence/{item['id']}/image", headers=keys["child_safety_specialist"]), 409)


def test_holds_over_the_api(client, keys, db):
    case_id, css = open_case(db), keys["child_safety_specialist"]
    [auto] = client.get(f"/v1/cases/{case_id}/holds", headers=keys["compliance"]).json()
    assert auto["status"] == "active" and auto["jurisdiction"] == "US"
    placed = client.post(f"/v1/cases/{case_id}/holds", json={"jurisdiction": "GB", "reason": "Ofcom"}, headers=css)
    assert placed.status_code == 201, placed.text
    hold_id = placed.json()["id"]
    extended = client.post(f"/v1/holds/{hold_id}/extend", json={"days": 10, "reason": "police"}, headers=css)
    assert extended.status_code == 200 and len(extended.json()["extensions"]) == 1
    problem(client.post(f"/v1/holds/{hold_id}/extend", json={"days": 10}, headers=css), 422)
    released = client.post(f"/v1/holds/{hold_id}/release", json={"reason": "done"}, headers=keys["compliance"])
    assert released.json()["status"] == "released"
    refused = problem(client.post(f"/v1/holds/{hold_id}/extend", json={"days": 1, "reason": "x"}, headers=css), 409)
    assert refused["title"] == "Preservation hold is not active"
    problem(client.post(f"/v1/cases/{case_id}/holds", json={"jurisdiction": "ZZ"}, headers=css), 422)


def test_reading_the_raw_bytes_of_a_picture_with_exif_marks_its_exif_viewed(client, keys, db):
    case_id, css, data = open_case(db), keys["child_safety_specialist"], exif_jpeg(3)
    item = upload(client, keys["service"], case_id, data, ctype="image/jpeg").json()
    assert client.get(f"/v1/evidence/{item['id']}/image", params={"reveal": "true", "reason": "confirm"},
                      headers=css).status_code == 200
    assert not client.get(f"/v1/evidence/{item['id']}", headers=css).json()["exif_viewed"]  # a PNG, no metadata
    raw = client.post(f"/v1/evidence/{item['id']}/read", json={"reason": "CyberTip upload"}, headers=css)
    assert raw.content == data
    assert client.get(f"/v1/evidence/{item['id']}", headers=css).json()["exif_viewed"]


@pytest.mark.parametrize("started_at", ["9999-12-30T00:00:00Z", "1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z"])
def test_hold_dates_out_of_range_are_problems(client, keys, db, started_at):
    case_id, css = open_case(db), keys["child_safety_specialist"]
    body = problem(client.post(f"/v1/cases/{case_id}/holds", json={"started_at": started_at, "reason": "x"},
                               headers=css), 422)
    assert body["errors"][0]["field"] == "started_at"


def test_extending_a_hold_past_the_last_representable_date_is_a_problem(client, keys, db):
    case_id, css = open_case(db), keys["child_safety_specialist"]
    [auto] = client.get(f"/v1/cases/{case_id}/holds", headers=css).json()
    far = client.post(f"/v1/holds/{auto['id']}/extend", json={"until": "9999-12-01T00:00:00Z", "reason": "police"},
                      headers=css)
    assert far.status_code == 200, far.text
    body = problem(client.post(f"/v1/holds/{auto['id']}/extend", json={"days": 36500, "reason": "police"},
                               headers=css), 422)
    assert body["errors"][0]["field"] == "days" and "year 9999" in body["detail"]
    assert client.get(f"/v1/cases/{case_id}/holds", headers=css).json()[0]["expires_at"].startswith("9999-12-01")


def test_an_upload_matching_an_abuse_bank_is_preserved(client, keys, db):
    data = benign_image(11, size=320, fmt="JPEG")
    css = keys["child_safety_specialist"]
    assert client.post("/v1/banks", json={"name": "known"}, headers=css).status_code == 201
    value = next(iter(hashing.hash_media(data, algorithms=("pdq",)))).value
    added = client.post("/v1/banks/known/hashes", headers=css, json={"hashes": [{"algorithm": "pdq", "value": value}]})
    assert added.status_code == 200, added.text
    client.app.state.matcher.refresh()
    scanned = client.post("/v1/scan/media", content=data, params={"content_id": "post-9"},
                          headers=keys["service"] | {"Content-Type": "image/jpeg"}).json()
    assert scanned["verdict"] == "match"
    [item] = client.get(f"/v1/cases/{scanned['case_id']}/evidence", headers=css).json()
    assert item["sha256"] == hashlib.sha256(data).hexdigest() and item["source"].startswith("scan_match:")
    raw = client.post(f"/v1/evidence/{item['id']}/read", json={"reason": "verify"}, headers=css)
    assert raw.content == data
    assert client.get(f"/v1/cases/{scanned['case_id']}/holds", headers=css).json()[0]["status"] == "active"
