"""Hash banks: named lists of known abuse material (match banks) or known false positives (allow
banks), each with its own threshold, imported from the formats the field exchanges, retractable,
and matched through an exact in-memory index that follows every change within seconds."""

from childsafe.banks.formats import FORMATS, HEX_LENGTH, PERCEPTUAL, Entry, canonical, known_algorithm
from childsafe.banks.importer import ImportAborted, ImportReport, import_file
from childsafe.banks.matcher import Hit, Matcher, Query
from childsafe.banks.models import Bank, BankHash, BankImport, BankRemoval
from childsafe.banks.service import (
    DEFAULT_THRESHOLD,
    HASHES_ADDED,
    KINDS,
    MAX_THRESHOLD,
    SOURCES,
    BankInfo,
    HashRow,
    add_hashes,
    all_banks,
    create_bank,
    delete_bank,
    ensure_bank,
    get_bank,
    hashes_after,
    info,
    list_banks,
    remove_hashes,
    stats,
    update_bank,
    video_frames,
)

__all__ = [
    "DEFAULT_THRESHOLD", "FORMATS", "HASHES_ADDED", "HEX_LENGTH", "KINDS", "MAX_THRESHOLD", "PERCEPTUAL", "SOURCES",
    "Bank", "BankHash", "BankImport", "BankInfo", "BankRemoval", "Entry", "HashRow", "Hit", "ImportAborted",
    "ImportReport", "Matcher", "Query", "add_hashes", "all_banks", "canonical", "create_bank", "delete_bank",
    "ensure_bank", "get_bank", "hashes_after", "import_file", "info", "known_algorithm", "list_banks",
    "remove_hashes", "stats", "update_bank", "video_frames",
]
