"""The vault on S3-compatible object storage, against a real local server speaking S3's protocol
(``moto_server``): the same round trip, tamper detection and purge as on the local file system."""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from childsafe import evidence
from test_evidence import SPECIALIST, benign_image, open_case, preserve, read, vault_settings

BUCKET = "childsafe-evidence-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url, timeout=5)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    bucket = f"{BUCKET}-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    vault = evidence.configure(vault_settings(db_url, tmp_path, evidence_s3_bucket=bucket,
                                              evidence_s3_endpoint_url=s3_endpoint, evidence_s3_region="us-east-1",
                                              evidence_s3_prefix="vault"))
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
