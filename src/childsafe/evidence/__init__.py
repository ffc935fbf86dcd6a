"""The evidence vault: abuse material and account data preserved encrypted (AES-GCM, a data key per
item wrapped by a configured master key), under preservation holds with a legal basis and expiry,
every read audited with who and why, and review renderings blurred and greyscale by default."""

from childsafe.evidence.crypto import KEY_FILE_FORMAT, MasterKeys
from childsafe.evidence.errors import (
    EvidencePurged,
    HoldNotActive,
    StoreUnavailable,
    TamperedEvidence,
    VaultLocked,
)
from childsafe.evidence.holds import (
    PRESERVED_CATEGORIES,
    HoldInfo,
    extend_hold,
    get_hold,
    holds,
    place_hold,
    release_hold,
)
from childsafe.evidence.keyring import RotationResult, init_key, rotate
from childsafe.evidence.models import EvidenceExposure, EvidenceHold, EvidenceItem
from childsafe.evidence.records import RECORD_KINDS, REFERRAL_CONTENT
from childsafe.evidence.retention import RetentionResult
from childsafe.evidence.retention import run as run_retention
from childsafe.evidence.service import (
    ItemInfo,
    exposure,
    item,
    items,
    preserve_media,
    preserve_record,
    preserve_upload_match,
    read_media,
    read_record,
    review_image,
)
from childsafe.evidence.vault import Vault, VaultNotConfigured, configure, vault_for

UPLOAD_TYPES = ("image/", "video/", "application/octet-stream")

__all__ = [
    "KEY_FILE_FORMAT", "PRESERVED_CATEGORIES", "RECORD_KINDS", "REFERRAL_CONTENT", "UPLOAD_TYPES",
    "EvidenceExposure", "EvidenceHold", "EvidenceItem",
    "EvidencePurged", "HoldInfo", "HoldNotActive", "ItemInfo", "MasterKeys", "RetentionResult",
    "RotationResult", "StoreUnavailable", "TamperedEvidence", "Vault", "VaultLocked", "VaultNotConfigured",
    "configure", "exposure",
    "extend_hold", "get_hold", "holds", "init_key", "item", "items", "place_hold", "preserve_media",
    "preserve_record", "preserve_upload_match", "read_media", "read_record", "release_hold", "review_image",
    "rotate", "run_retention", "vault_for",
]
