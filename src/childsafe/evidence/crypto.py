"""Envelope encryption for the vault (AES-256-GCM from ``cryptography``).

Each item gets its own random data key; the content is sealed with it, and the data key is sealed
("wrapped") by a master key named by a key id. Rotating the master key re-wraps the small data keys
and never touches the content. Associated data ties each ciphertext to its item id (and the wrapped
key to the key id too), so a file swapped between items, or a wrapped key moved, fails to open.

The key file is JSON: ``{"format": "childsafe-evidence-keys/1", "active": "<id>",
"rotated_out": {"<old id>": "<ISO time it stopped being active>", ...},
"keys": {"<id>": "<base64 of 32 random bytes>", ...}}``; older keys stay listed until every item is
re-wrapped and the key has been out of use for a grace period (``childsafe evidence rotate-key --retire-old``).
"""

import base64
import json
import os
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from childsafe.evidence.errors import TamperedEvidence, VaultLocked

KEY_FILE_FORMAT = "childsafe-evidence-keys/1"
MAGIC = b"CSEV1\x00"  # content object header: format version, then nonce, then ciphertext + tag
_NONCE = 12


def _content_aad(item_id: uuid.UUID) -> bytes:
    return b"childsafe/evidence/content|" + item_id.bytes


def _wrap_aad(item_id: uuid.UUID, key_id: str) -> bytes:
    return b"childsafe/evidence/data-key|" + item_id.bytes + b"|" + key_id.encode()


@dataclass(frozen=True)
class MasterKeys:
    """The master keys the service holds: one active (wraps new items), others still able to unwrap."""

    active: str
    keys: dict[str, bytes]
    rotated_out: dict[str, datetime] = field(default_factory=dict)  # key id -> when it stopped being active

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise VaultLocked(f"master key {key_id!r} is not in the key file; restore it or re-wrap "
                              "items with `childsafe evidence rotate-key` while it is still present") from None

    @classmethod
    def load(cls, path: str | Path | None) -> "MasterKeys":
        if not path:
            raise VaultLocked("no evidence master key is configured (set CHILDSAFE_EVIDENCE_KEY_FILE; create one "
                              "with `childsafe evidence init-key`); evidence is neither stored nor read without it")
        try:
            raw = json.loads(Path(path).read_text())
            keys = {str(k): base64.b64decode(v, validate=True) for k, v in raw["keys"].items()}
            active = str(raw["active"])
            rotated_out = {str(k): datetime.fromisoformat(v) for k, v in raw.get("rotated_out", {}).items()}
        except FileNotFoundError:
            raise VaultLocked(f"the evidence master key file {path} does not exist") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VaultLocked(f"the evidence master key file {path} is unreadable ({type(exc).__name__})") from None
        if raw.get("format") != KEY_FILE_FORMAT or active not in keys or any(len(k) != 32 for k in keys.values()):
            raise VaultLocked(f"the evidence master key file {path} is not a valid {KEY_FILE_FORMAT} file "
                              "with an active 32-byte key")
        if any(when.tzinfo is None for when in rotated_out.values()):
            raise VaultLocked(f"the evidence master key file {path} has rotation times without a time zone")
        return cls(active, keys, {k: v for k, v in rotated_out.items() if k in keys and k != active})

    def dump(self) -> str:
        return json.dumps({"format": KEY_FILE_FORMAT, "active": self.active,
                           "rotated_out": {k: v.isoformat() for k, v in self.rotated_out.items()},
                           "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()}}, indent=2)

    def with_new_key(self, now: datetime | None = None) -> "MasterKeys":
        """A fresh active key; the previous one is stamped with the moment it stopped being active."""
        key_id = "mk-" + secrets.token_hex(6)
        stamped = {**self.rotated_out, self.active: now or datetime.now(UTC)} if self.active else {}
        return MasterKeys(key_id, {**self.keys, key_id: AESGCM.generate_key(256)}, stamped)

    def without(self, retired: set[str]) -> "MasterKeys":
        return MasterKeys(self.active, {k: v for k, v in self.keys.items() if k not in retired},
                          {k: v for k, v in self.rotated_out.items() if k not in retired})

    @classmethod
    def generate(cls) -> "MasterKeys":
        return cls("", {}).with_new_key()


def write_key_file(path: str | Path, keys: MasterKeys) -> None:
    """Owner-only permissions; replaced atomically so a crash never leaves half a key file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(keys.dump())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)


@dataclass(frozen=True)
class Sealed:
    blob: bytes  # MAGIC + nonce + ciphertext: what the store keeps
    key_id: str
    wrapped_key: bytes  # nonce + wrapped data key: what the database row keeps


def seal(keys: MasterKeys, item_id: uuid.UUID, plaintext: bytes) -> Sealed:
    data_key = AESGCM.generate_key(256)
    nonce = os.urandom(_NONCE)
    blob = MAGIC + nonce + AESGCM(data_key).encrypt(nonce, plaintext, _content_aad(item_id))
    return Sealed(blob, keys.active, wrap(keys, item_id, keys.active, data_key))


def wrap(keys: MasterKeys, item_id: uuid.UUID, key_id: str, data_key: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(keys.key(key_id)).encrypt(nonce, data_key, _wrap_aad(item_id, key_id))


def unwrap(keys: MasterKeys, item_id: uuid.UUID, key_id: str, wrapped: bytes) -> bytes:
    master = keys.key(key_id)
    try:
        return AESGCM(master).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _wrap_aad(item_id, key_id))
    except (InvalidTag, ValueError):
        raise TamperedEvidence(f"the wrapped data key of evidence item {item_id} does not authenticate; "
                               "it was changed or belongs to another item") from None


def open_sealed(keys: MasterKeys, item_id: uuid.UUID, key_id: str, wrapped: bytes, blob: bytes) -> bytes:
    data_key = unwrap(keys, item_id, key_id, wrapped)
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + _NONCE + 16:
        raise TamperedEvidence(f"the stored object of evidence item {item_id} is not a vault object")
    view = memoryview(blob)  # no copies of a large object before decrypting it
    start = len(MAGIC) + _NONCE
    try:
        return AESGCM(data_key).decrypt(bytes(view[len(MAGIC):start]), view[start:], _content_aad(item_id))
    except InvalidTag:
        raise TamperedEvidence(f"the stored object of evidence item {item_id} does not authenticate; it was "
                               "changed or swapped with another item's") from None


def rewrap(keys: MasterKeys, item_id: uuid.UUID, key_id: str, wrapped: bytes) -> bytes:
    """The same data key, wrapped by the active master key (rotation without re-encrypting content)."""
    return wrap(keys, item_id, keys.active, unwrap(keys, item_id, key_id, wrapped))
