"""Where sealed objects live: a local directory (default) or S3-compatible object storage.

Stores only ever see ciphertext. A put is durable before it returns (fsync + atomic rename locally;
S3 acknowledges only stored objects), so the database row committed after it never points at
nothing; deletes are idempotent, so a purge interrupted half-way simply runs again.
"""

import os
import secrets
from pathlib import Path
from typing import Any, Protocol

from childsafe.errors import NotFound


class ObjectStore(Protocol):
    name: str

    def put(self, key: str, blob: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def _missing(key: str) -> NotFound:
    return NotFound(f"the sealed object {key} is missing from the evidence store")


class LocalStore:
    name = "local"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, key: str, blob: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = target.with_name(f".{key}.{secrets.token_hex(4)}.tmp")  # ciphertext only, never clear text
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise _missing(key) from None

    def delete(self, key: str) -> None:
        target = self.path(key)
        target.unlink(missing_ok=True)
        if target.parent.exists():
            _fsync_dir(target.parent)

    def exists(self, key: str) -> bool:
        return self.path(key).exists()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class S3Store:
    """Any S3-compatible service (AWS S3, MinIO, Ceph, ...); credentials come from boto3's usual chain."""

    name = "s3"

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, client: Any = None) -> None:
        if client is None:
            import boto3  # the optional "s3" extra

            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, blob: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=blob,
                               ContentType="application/octet-stream")

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise _missing(key) from None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))  # S3 deletes are idempotent

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError:
            return False
        return True
