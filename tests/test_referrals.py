"""Referral packages (INHOPE hotlines, the IWF, law enforcement) built from the evidence vault, and the
register of law-enforcement requests: contents, hashes, who may export, audit, and the request lifecycle."""

import hashlib
import io
import json
import os
import stat
import uuid
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from childsafe import audit, evidence
from childsafe.audit import Actor
from childsafe.config import Settings
from childsafe.errors import Forbidden
from childsafe.referrals import exports
from childsafe.store import Database
from childsafe.vocabulary import Role
from test_evidence import ACCOUNT, SERVICE, audit_actions, benign_image, open_case, vault_settings

PROBLEM = "application/problem+json"
IPS = {"events": [{"ip": "198.51.100.7", "at": "2026-03-01T10:00:00Z", "event": "login", "port": 443}]}
LE_EXPORT = {"target": "law_enforcement", "recipient": "National Crime Agency", "legal_basis": "IPA 2016 s.61",
             "reason": "request NCA-1 approved"}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return vault_settings(db_url, tmp_path)


@pytest.fixture
def case(db: Database, settings: Settings) -> dict[str, Any]:
    """A suspected-CSAM case with two preserved images, account data and IP events."""
    evidence.configure(settings)
    case_id = open_case(db)
    images = [benign_image(1), benign_image(2)]
    with db.transaction() as session:
        media = [evidence.preserve_media(session, case_id=case_id, data=data, filename=f"IMG_{i}.png",
                                         content_type="image/png", actor=SERVICE, source="upload")
                 for i, data in enumerate(images)]
        account = evidence.preserve_record(session, case_id=case_id, kind="account", record=ACCOUNT, actor=SERVICE,
                                           source="user-db")
        ips = evidence.preserve_record(session, case_id=case_id, kind="ip_events", record=IPS, actor=SERVICE,
                                       source="login-log")
    return {"id": case_id, "images": images, "media": media, "account": account, "ips": ips}


REQUEST = {"authority": "National Crime Agency", "country": "GB", "kind": "order_to_provide_information",
           "legal_basis": "Investigatory Powers Act 2016 s.61", "requested": "subscriber data for the account"}


def approved_request(client: TestClient, keys: dict[str, Any], case_id: Any) -> str:
    """A register entry about the case, registered by compliance and approved by a specialist (four eyes)."""
    created = client.post("/v1/le-requests", json=REQUEST | {"case_id": str(case_id)}, headers=keys["compliance"])
    assert created.status_code == 201, created.text
    approved = client.post(f"/v1/le-requests/{created.json()['id']}/transition", json={"status": "approved"},
                           headers=keys["child_safety_specialist"])
    assert approved.status_code == 200, approved.text
    return created.json()["id"]


def le_export(client: TestClient, keys: dict[str, Any], case_id: Any) -> Any:
    return client.post(f"/v1/cases/{case_id}/referral-exports", headers=keys["child_safety_specialist"],
                       json=LE_EXPORT | {"request_id": approved_request(client, keys, case_id)})


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    return response.json()


def test_law_enforcement_package_holds_files_records_and_hashes(client: TestClient, keys: dict[str, Any],
                                                                db: Database, case: dict[str, Any]) -> None:
    response = le_export(client, keys, case["id"])
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["x-package-sha256"] == hashlib.sha256(response.content).hexdigest()
    files = unzip(response.content)
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["target"] == "law_enforcement" and manifest["case_id"] == str(case["id"])
    assert {f["path"] for f in manifest["files"]} == set(files)
    for entry in manifest["files"]:
        assert entry["sha256"] == hashlib.sha256(files[entry["path"]]).hexdigest()
        assert entry["size"] == len(files[entry["path"]])
    media = sorted(body for name, body in files.items() if name.startswith("files/"))
    assert media == sorted(case["images"])
    assert json.loads(files[f"records/account-{case['account'].id}.json"]) == ACCOUNT
    assert json.loads(files[f"records/ip_events-{case['ips'].id}.json"]) == IPS
    referral = json.loads(files["referral.json"])
    assert referral["case"]["category"] == "csam"
    assert {e["sha256"] for e in referral["evidence"] if e["kind"] == "media"} == {
        hashlib.sha256(i).hexdigest() for i in case["images"]}
    assert all(e["pdq"] for e in referral["evidence"] if e["kind"] == "media")
    assert exports.verify(response.content) == []

    [entry] = audit_actions(db, "referral.exported")
    assert entry.actor_role == "child_safety_specialist" and entry.reason == LE_EXPORT["reason"]
    assert entry.details["package_sha256"] == response.headers["x-package-sha256"]
    assert entry.details["target"] == "law_enforcement" and entry.details["files"] == 5
    reads = audit_actions(db, "evidence.read")  # every file came out of the vault, audited with who asked
    assert len(reads) == 4 and all(manifest["export_id"] in e.reason and "child_safety_specialist" in e.reason
                                   for e in reads)
    with db.transaction() as session:  # packing is not viewing: NCMEC's fileViewedByEsp stays true to fact
        assert not any(i.viewed_by_person for i in evidence.items(session, case["id"]))

    listed = client.get(f"/v1/cases/{case['id']}/referral-exports", headers=keys["compliance"]).json()
    assert [e["package_sha256"] for e in listed] == [response.headers["x-package-sha256"]]
    assert "data" not in listed[0] and listed[0]["files"] == manifest["files"]


def test_a_changed_added_or_missing_file_is_detected(client: TestClient, keys: dict[str, Any],
                                                     case: dict[str, Any]) -> None:
    package = le_export(client, keys, case["id"]).content
    files = unzip(package)
    victim = next(name for name in files if name.startswith("files/"))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as archive:
        for name, body in files.items():
            if name == "referral.json":
                continue
            archive.writestr(name, body + b"x" if name == victim else body)
        archive.writestr("extra.txt", b"not listed")
    assert exports.verify(rebuilt.getvalue()) == [
        "missing: referral.json", "not in the manifest: extra.txt", f"changed: {victim}"]
    assert exports.verify(b"not a zip") == ["not a referral package: BadZipFile"]


def test_hotline_package_carries_urls_and_hashes_not_material(client: TestClient, keys: dict[str, Any],
                                                              db: Database, case: dict[str, Any]) -> None:
    body = {"target": "iwf", "recipient": "Internet Watch Foundation", "legal_basis": "MoU NPCC/CPS",
            "reason": "hosted in the UK"}
    response = client.post(f"/v1/cases/{case['id']}/referral-exports", json=body,
                           headers=keys["child_safety_specialist"])
    assert response.status_code == 201, response.text
    files = unzip(response.content)
    assert set(files) == {"manifest.json", "referral.json"}
    referral = json.loads(files["referral.json"])
    assert referral["case"]["subject"]["platform_id"] and len(referral["evidence"]) == 4
    assert "skater42" not in files["referral.json"].decode()  # account data stays out of hotline packages
    assert audit_actions(db, "evidence.read") == []
    refused = client.post(f"/v1/cases/{case['id']}/referral-exports", json=body | {"include_records": True},
                          headers=keys["child_safety_specialist"])
    assert problem(refused, 422)["detail"].startswith("account data and message threads go to law enforcement")


def test_only_child_safety_specialists_export_and_refusals_are_audited(
        client: TestClient, keys: dict[str, Any], db: Database, case: dict[str, Any]) -> None:
    for role in ("moderator", "compliance", "admin", "service"):
        problem(client.post(f"/v1/cases/{case['id']}/referral-exports", json=LE_EXPORT, headers=keys[role]), 403)
    with pytest.raises(Forbidden), db.transaction() as session:
        exports.export(session, case["id"], exports.ExportIn(**LE_EXPORT),
                       Actor("officer", Role.COMPLIANCE.value))
    assert [e.actor_role for e in audit_actions(db, "referral.export_denied")] == ["compliance"]
    assert audit_actions(db, "referral.exported") == []


BAD_EXPORTS = [({"target": "police"}, "target"), ({"recipient": ""}, "recipient"), ({"reason": None}, "reason"),
               ({"surprise": 1}, "surprise")]


def test_bad_export_input_is_a_problem(client: TestClient, keys: dict[str, Any], case: dict[str, Any]) -> None:
    for body, field in BAD_EXPORTS:
        response = client.post(f"/v1/cases/{case['id']}/referral-exports", json=LE_EXPORT | body,
                               headers=keys["child_safety_specialist"])
        assert field in json.dumps(problem(response, 422)["errors"]), field
    problem(client.post(f"/v1/cases/{uuid.uuid4()}/referral-exports", json=LE_EXPORT,
                        headers=keys["child_safety_specialist"]), 404)


def test_law_enforcement_package_needs_an_approved_request_about_the_case(
        client: TestClient, keys: dict[str, Any], db: Database, case: dict[str, Any]) -> None:
    specialist = keys["child_safety_specialist"]
    url = f"/v1/cases/{case['id']}/referral-exports"
    bare = problem(client.post(url, json=LE_EXPORT, headers=specialist), 422)
    assert bare["detail"].startswith("a law-enforcement package answers an approved law-enforcement request")
    assert "request_id" in json.dumps(bare)
    unlinked = client.post("/v1/le-requests", json=REQUEST, headers=keys["compliance"]).json()["id"]
    client.post(f"/v1/le-requests/{unlinked}/transition", json={"status": "approved"}, headers=specialist)
    assert problem(client.post(url, json=LE_EXPORT | {"request_id": unlinked}, headers=specialist), 422)[
        "detail"] == "the law-enforcement request names no case; register it with this case_id"
    elsewhere = approved_request(client, keys, open_case(db))  # another case's approved request
    assert problem(client.post(url, json=LE_EXPORT | {"request_id": elsewhere}, headers=specialist), 422)[
        "detail"] == "the law-enforcement request is about another case"
    # Nothing left the vault and nothing was exported; hotline packages still need no request.
    assert audit_actions(db, "evidence.read") == [] and audit_actions(db, "referral.exported") == []
    assert client.get(url, headers=specialist).json() == []
    hotline = {"target": "inhope", "recipient": "Meldpunt", "legal_basis": "Art. 18 DSA", "reason": "NL-hosted"}
    assert client.post(url, json=hotline, headers=specialist).status_code == 201


def test_a_law_enforcement_package_is_listed_in_its_request(client: TestClient, keys: dict[str, Any],
                                                            db: Database, case: dict[str, Any]) -> None:
    request_id = approved_request(client, keys, case["id"])
    package = client.post(f"/v1/cases/{case['id']}/referral-exports", json=LE_EXPORT | {"request_id": request_id},
                          headers=keys["child_safety_specialist"])
    assert package.status_code == 201, package.text
    listed = client.get(f"/v1/le-requests/{request_id}", headers=keys["compliance"]).json()
    [item] = listed["disclosed"]
    manifest = json.loads(unzip(package.content)["manifest.json"])
    assert item["kind"] == "export_package" and item["reference"] == package.headers["x-export-id"]
    assert item["sha256"] == hashlib.sha256(package.content).hexdigest()
    assert item["files"] == [f["path"] for f in manifest["files"]]
    assert item["description"] == "referral package to National Crime Agency: 2 media file(s), 2 record(s)"
    assert listed["status"] == "approved" and manifest["request_id"] == request_id
    [entry] = audit_actions(db, "le_request.package_recorded")
    assert entry.object_id == request_id and entry.details["export_id"] == package.headers["x-export-id"]
    assert entry.details["package_sha256"] == item["sha256"] and entry.actor_role == "child_safety_specialist"


def test_law_enforcement_request_lifecycle(client: TestClient, keys: dict[str, Any], db: Database,
                                           case: dict[str, Any]) -> None:
    officer, specialist = keys["compliance"], keys["child_safety_specialist"]
    deadline = (date.today() + timedelta(days=7)).isoformat()
    created = client.post("/v1/le-requests", json=REQUEST | {"case_id": str(case["id"]), "deadline": deadline},
                          headers=officer)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    assert created.json()["status"] == "received" and created.json()["deadline"] == deadline

    # Disclosure needs an approved request: the package is refused first.
    early = client.post(f"/v1/cases/{case['id']}/referral-exports", json=LE_EXPORT | {"request_id": request_id},
                        headers=specialist)
    assert problem(early, 409)["detail"].startswith("the law-enforcement request is received")
    # Four eyes: whoever registered it does not approve it.
    problem(client.post(f"/v1/le-requests/{request_id}/transition", json={"status": "approved"}, headers=officer),
            403)
    approved = client.post(f"/v1/le-requests/{request_id}/transition", json={"status": "approved"},
                           headers=specialist)
    assert approved.status_code == 200 and approved.json()["approved_by"].endswith("(child_safety_specialist)")
    package = client.post(f"/v1/cases/{case['id']}/referral-exports", json=LE_EXPORT | {"request_id": request_id},
                          headers=specialist)
    assert package.status_code == 201
    # A request without an exported package needs its disclosure described; the package here is already listed.
    other = client.post("/v1/le-requests", json=REQUEST, headers=officer).json()["id"]
    client.post(f"/v1/le-requests/{other}/transition", json={"status": "approved"}, headers=specialist)
    problem(client.post(f"/v1/le-requests/{other}/transition", json={"status": "disclosed"}, headers=officer), 422)
    disclosed = client.post(f"/v1/le-requests/{request_id}/transition", headers=officer, json={
        "status": "disclosed", "disclosed": [{"kind": "other", "description": "confirmed by phone to the NCA"}]})
    assert disclosed.status_code == 200, disclosed.text
    assert [d["kind"] for d in disclosed.json()["disclosed"]] == ["export_package", "other"]
    assert disclosed.json()["disclosed"][0]["reference"] == package.headers["x-export-id"]
    late = client.post(f"/v1/cases/{case['id']}/referral-exports", json=LE_EXPORT | {"request_id": request_id},
                       headers=specialist)
    assert problem(late, 409)["detail"].startswith("the law-enforcement request is disclosed")
    closed = client.post(f"/v1/le-requests/{request_id}/transition", json={"status": "closed"}, headers=officer)
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    problem(client.post(f"/v1/le-requests/{request_id}/transition", json={"status": "approved"},
                        headers=specialist), 409)

    assert client.get(f"/v1/le-requests/{request_id}", headers=officer).json()["status"] == "closed"
    assert [r["id"] for r in client.get("/v1/le-requests", params={"status": "closed"},
                                        headers=specialist).json()] == [request_id]
    with db.transaction() as session:
        trail = [e.action for e in audit.entries(session, limit=1000) if e.object_type == "le_request"]
    assert {"le_request.registered", "le_request.approved", "le_request.disclosed", "le_request.closed",
            "le_request.read", "le_request.listed"} <= set(trail)


def test_overdue_requests_and_refusals(client: TestClient, keys: dict[str, Any]) -> None:
    officer = keys["compliance"]
    past = (date.today() - timedelta(days=3)).isoformat()
    old = client.post("/v1/le-requests", headers=officer, json=REQUEST | {
        "received_at": (date.today() - timedelta(days=10)).isoformat() + "T09:00:00Z", "deadline": past}).json()
    client.post("/v1/le-requests", headers=officer, json=REQUEST)
    assert [r["id"] for r in client.get("/v1/le-requests", params={"overdue": "true"}, headers=officer).json()] == [
        old["id"]]
    assert client.get(f"/v1/le-requests/{old['id']}", headers=officer).json()["overdue"] is True
    refused = client.post(f"/v1/le-requests/{old['id']}/transition", json={"status": "refused"}, headers=officer)
    assert problem(refused, 422)["detail"] == "a refused request needs a reason"
    ok = client.post(f"/v1/le-requests/{old['id']}/transition", headers=officer,
                     json={"status": "refused", "reason": "no valid legal basis for this jurisdiction"})
    assert ok.json()["status"] == "refused" and ok.json()["overdue"] is False


BAD_REQUESTS = [({"country": "Germany"}, "country"), ({"kind": "whatever"}, "kind"),
                ({"legal_basis": ""}, "legal_basis"),
                ({"deadline": "2020-01-01", "received_at": "2026-01-01T00:00:00Z"}, "deadline"),
                ({"received_at": "2026-01-01T00:00:00"}, "received_at"), ({"extra": True}, "extra")]


def test_bad_request_input_is_a_problem(client: TestClient, keys: dict[str, Any]) -> None:
    for change, field in BAD_REQUESTS:
        response = client.post("/v1/le-requests", json=REQUEST | change, headers=keys["compliance"])
        assert field in json.dumps(problem(response, 422)), field
    problem(client.get(f"/v1/le-requests/{uuid.uuid4()}", headers=keys["compliance"]), 404)
    problem(client.post(f"/v1/le-requests/{uuid.uuid4()}/transition", json={"status": "approved"},
                        headers=keys["child_safety_specialist"]), 404)
    problem(client.get("/v1/le-requests", params={"status": "lost"}, headers=keys["compliance"]), 422)


def test_cli_exports_verifies_and_keeps_the_register(db: Database, db_url: str, settings: Settings,
                                                     case: dict[str, Any], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from childsafe.cli.main import app
    from childsafe.config import get_settings

    for name in ("database_url", "evidence_key_file", "evidence_dir"):
        monkeypatch.setenv(f"CHILDSAFE_{name.upper()}", str(getattr(settings, name)))
    get_settings.cache_clear()
    runner, out = CliRunner(), tmp_path / "package.zip"
    hotline = ["referrals", "export", str(case["id"]), "--target", "inhope", "--recipient", "Meldpunt",
               "--legal-basis", "Art. 18 DSA", "--reason", "NL-hosted", "--out", str(out)]
    umask = os.umask(0o022)  # the usual umask would make a plain write world-readable
    try:
        exported = runner.invoke(app, hotline)
        first = out.read_bytes()
        again = runner.invoke(app, hotline)
        lawless = runner.invoke(app, ["referrals", "export", str(case["id"]), "--target", "law_enforcement",
                                      "--recipient", "Politie", "--legal-basis", "Sv 126ng", "--reason", "asked",
                                      "--out", str(tmp_path / "le.zip")])
        verified = runner.invoke(app, ["referrals", "verify", str(out)])
        added = runner.invoke(app, ["referrals", "request-add", "--authority", "Politie", "--country", "NL",
                                    "--kind", "preservation", "--legal-basis", "Sv 126ng", "--requested", "preserve"])
        listed = runner.invoke(app, ["referrals", "requests"])
        bad = runner.invoke(app, ["referrals", "request-add", "--authority", "Politie", "--country", "Netherlands",
                                  "--kind", "preservation", "--legal-basis", "x", "--requested", "y"])
    finally:
        os.umask(umask)
        get_settings.cache_clear()
    assert exported.exit_code == 0, exported.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert again.exit_code != 0 and "never written over a file" in again.output and out.read_bytes() == first
    assert lawless.exit_code == 1 and "approved law-enforcement request" in lawless.output
    assert not (tmp_path / "le.zip").exists()
    assert sorted(p.name for p in tmp_path.glob("*.zip")) == ["package.zip"] and not list(tmp_path.glob(".*part"))
    assert exports.verify(out.read_bytes()) == [] and "intact" in verified.output
    assert added.exit_code == 0 and json.loads(added.stdout)["status"] == "received"
    assert json.loads(listed.stdout.splitlines()[0])["authority"] == "Politie"
    assert bad.exit_code != 0
    [entry] = audit_actions(db, "referral.exported")
    assert entry.actor.startswith("cli:") and entry.actor_role == "child_safety_specialist"


def test_a_package_file_is_private_and_never_replaces_one(tmp_path: Path) -> None:
    from childsafe.cli.transparency import _write_private

    target = tmp_path / "package.zip"
    umask = os.umask(0)  # even a permissive umask gives an owner-only file
    try:
        _write_private(target, b"first")
    finally:
        os.umask(umask)
    assert target.read_bytes() == b"first" and stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):  # the file appeared after the command's own check: still not replaced
        _write_private(target, b"second")
    assert target.read_bytes() == b"first" and [p.name for p in tmp_path.iterdir()] == ["package.zip"]
