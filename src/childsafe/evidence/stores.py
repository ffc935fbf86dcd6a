"""Where sealed objects live: a local directory (default) or S3-compatible object storage.

Stores only ever see ciphertext. A put is durable before it returns (fsync + atomic rename locally;
S3 acknowledges only stored objects), so the database row committed after it never points at
nothing; deletes are idempotent, so a purge interrupted half-way simply runs again.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from childsafe.errors import NotFound
from childsafe.evidence.errors import StoreUnavailable


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
    """Any S3-compatible service (AWS S3, MinIO, Ceph, ...); credentials come from boto3's usual chain.

    Every fault of the service (an unknown bucket, refused credentials, an unreachable endpoint) is a
    StoreUnavailable (503) naming the operation, never an unhandled error."""

    name = "s3"

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, client: Any = None) -> None:
        if client is None:
            import boto3  # the optional "s3" extra
            from botocore.config import Config

            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                                  config=Config(connect_timeout=5, read_timeout=60,
                                                retries={"mode": "standard", "max_attempts": 3}))
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    @contextmanager
    def _faults(self, operation: str, key: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code") or "error")
            if code in ("NoSuchKey", "404") and operation == "get":
                raise _missing(key) from None
            raise StoreUnavailable(f"the evidence store refused to {operation} {key} in bucket {self.bucket} "
                                   f"({code[:60]})") from None
        except BotoCoreError as exc:  # unreachable endpoint, timeouts, missing credentials
            raise StoreUnavailable(f"the evidence store could not {operation} {key} in bucket {self.bucket} "
                                   f"({type(exc).__name__})") from None

    def put(self, key: str, blob: bytes) -> None:
        with self._faults("put", key):
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=blob,
                                   ContentType="application/octet-stream")

    def get(self, key: str) -> bytes:
        with self._faults("get", key):
            return bytes(self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read())

    def delete(self, key: str) -> None:
        with self._faults("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))  # S3 deletes are idempotent

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        with self._faults("check", key):
            try:
                self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
        return True
