"""The vault on S3-compatible object storage, against a real local HTTP server speaking S3's protocol
(moto's server): the same round trip, tamper detection and purge as on the local file system, and every
fault of the store (an unknown bucket, an unreachable endpoint) a 503 problem rather than a crash."""

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from childsafe import evidence
from childsafe.config import Settings
from childsafe.evidence.models import EvidenceItem
from test_evidence import SPECIALIST, benign_image, open_case, preserve, read, vault_settings

BUCKET = "childsafe-evidence-test"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """The server binds port 0 itself and reports the port it got: no window in which another test worker
    can take a port picked in advance."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)


def _s3_settings(db_url: str, tmp_path: Path, endpoint: str, bucket: str) -> Settings:
    return vault_settings(db_url, tmp_path, evidence_s3_bucket=bucket, evidence_s3_endpoint_url=endpoint,
                          evidence_s3_region="us-east-1", evidence_s3_prefix="vault")


@pytest.fixture
def settings(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> Settings:
    """The API's settings in this module: a bucket that was never created."""
    _aws_env(monkeypatch)
    return _s3_settings(db_url, tmp_path, s3_endpoint, f"childsafe-missing-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    _aws_env(monkeypatch)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    bucket = f"{BUCKET}-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    vault = evidence.configure(_s3_settings(db_url, tmp_path, s3_endpoint, bucket))
    return vault, client, bucket


def _objects(client, bucket: str) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def test_s3_round_trip_and_tamper_detection(db, s3):
    vault, client, bucket = s3
    assert vault.store.name == "s3"
    case_id = open_case(db)
    first, second = preserve(db, case_id, benign_image(1)), preserve(db, case_id, benign_image(2))
    stored = _objects(client, bucket)
    assert set(stored) == {f"vault/{first.id.hex}", f"vault/{second.id.hex}"}
    assert benign_image(1)[64:128] not in stored[f"vault/{first.id.hex}"]
    assert read(db, first.id) == benign_image(1) and read(db, second.id) == benign_image(2)

    key_a, key_b = f"vault/{first.id.hex}", f"vault/{second.id.hex}"
    client.put_object(Bucket=bucket, Key=key_a, Body=stored[key_b])  # swapped objects
    client.put_object(Bucket=bucket, Key=key_b, Body=stored[key_a])
    for item in (first, second):
        with pytest.raises(evidence.TamperedEvidence):
            read(db, item.id)
    flipped = bytearray(stored[key_a])
    flipped[40] ^= 0x04
    client.put_object(Bucket=bucket, Key=key_a, Body=bytes(flipped))
    with pytest.raises(evidence.TamperedEvidence, match="does not authenticate"):
        read(db, first.id)
    client.delete_object(Bucket=bucket, Key=key_a)
    with pytest.raises(evidence.TamperedEvidence, match="missing"):
        read(db, first.id)


def test_s3_missing_key_and_purge(db, s3, db_url, tmp_path):
    vault, client, bucket = s3
    case_id = open_case(db)
    item = preserve(db, case_id)
    os.unlink(vault.key_file)
    with pytest.raises(evidence.VaultLocked):
        preserve(db, case_id, benign_image(7))
    assert len(_objects(client, bucket)) == 1  # nothing stored without the key
    with db.transaction() as session:
        [hold] = evidence.holds(session, case_id)
        evidence.release_hold(session, hold.id, actor=SPECIALIST, reason="benign")
    result = evidence.run_retention(db, actor=SPECIALIST)
    assert result.due == [item.id] and result.objects_deleted == 1 and _objects(client, bucket) == {}


def _item_count(db) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return len(session.query(EvidenceItem).all())


def test_an_unknown_bucket_is_a_503_problem_and_stores_nothing(client, keys, db):
    case_id = open_case(db)
    response = client.post("/v1/evidence/media", content=benign_image(), params={"case_id": str(case_id)},
                           headers=keys["service"] | {"Content-Type": "image/png"})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["title"] == "Evidence store unavailable" and "NoSuchBucket" in body["detail"]
    assert _item_count(db) == 0


def test_a_vanished_bucket_refuses_reads_and_retention_with_503(db, s3):
    _vault, client, bucket = s3
    case_id = open_case(db)
    item = preserve(db, case_id)
    for listed in client.list_objects_v2(Bucket=bucket)["Contents"]:
        client.delete_object(Bucket=bucket, Key=listed["Key"])
    client.delete_bucket(Bucket=bucket)
    with pytest.raises(evidence.StoreUnavailable, match="NoSuchBucket") as refused:
        read(db, item.id)
    assert refused.value.status == 503
    with db.transaction() as session:
        [hold] = evidence.holds(session, case_id)
        evidence.release_hold(session, hold.id, actor=SPECIALIST, reason="benign")
    with pytest.raises(evidence.StoreUnavailable):
        evidence.run_retention(db, actor=SPECIALIST)
    with pytest.raises(evidence.EvidencePurged):  # shredded before the store failed: never readable again
        read(db, item.id)


def test_an_unreachable_endpoint_is_a_503_and_stores_nothing(db, db_url, tmp_path, monkeypatch):
    _aws_env(monkeypatch)
    with socket.socket() as sock:  # a port nothing listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    evidence.configure(_s3_settings(db_url, tmp_path, f"http://127.0.0.1:{closed}", BUCKET))
    case_id = open_case(db)
    with pytest.raises(evidence.StoreUnavailable, match="could not put") as refused:
        preserve(db, case_id)
    assert refused.value.status == 503 and "EndpointConnectionError" in refused.value.detail
    assert _item_count(db) == 0
