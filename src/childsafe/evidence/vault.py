"""Which vault a session writes to: configured per database, so the API, the CLI, background jobs
and tests that each hold their own settings find the same store and keys.

``configure(settings)`` registers a vault for ``settings.database_url``; a session whose database was
never configured uses the process settings (``CHILDSAFE_*``) with that database's location.
"""

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from childsafe.config import Settings, get_settings
from childsafe.errors import DomainError, InvalidInput
from childsafe.evidence.crypto import MasterKeys
from childsafe.evidence.stores import LocalStore, ObjectStore, S3Store
from childsafe.store import beside_database


class VaultNotConfigured(DomainError):
    status = 503
    title = "Evidence vault not configured"


@dataclass
class Vault:
    settings: Settings
    _store: ObjectStore | None = field(default=None, repr=False)

    @property
    def key_file(self) -> str | None:
        return self.settings.evidence_key_file

    def keys(self) -> MasterKeys:
        """Read on every use (a few microseconds), so a rotated key file takes effect without a restart."""
        return MasterKeys.load(self.key_file)

    @property
    def store(self) -> ObjectStore:
        if self._store is None:
            self._store = build_store(self.settings)
        return self._store

    def hold_rule(self, jurisdiction: str | None) -> tuple[str, str, timedelta]:
        """(jurisdiction, legal basis, duration) of a preservation hold under that jurisdiction's rule."""
        where = (jurisdiction or self.settings.evidence_jurisdiction).upper()
        days = self.settings.evidence_hold_days.get(where)
        basis = self.settings.evidence_legal_basis.get(where)
        if days is None or basis is None:
            known = ", ".join(sorted(set(self.settings.evidence_hold_days) & set(self.settings.evidence_legal_basis)))
            raise InvalidInput(f"no preservation rule is configured for jurisdiction {where!r} (configured: {known}); "
                               "give legal_basis and days explicitly, or add it to evidence_hold_days and "
                               "evidence_legal_basis", field="jurisdiction")
        return where, basis, timedelta(days=days)


def default_directory(settings: Settings) -> Path | None:
    """Configured, or beside an SQLite database file (``<db>.evidence``)."""
    return beside_database(settings.database_url, ".evidence", settings.evidence_dir)


def build_store(settings: Settings) -> ObjectStore:
    if settings.evidence_s3_bucket:
        return S3Store(settings.evidence_s3_bucket, prefix=settings.evidence_s3_prefix,
                       endpoint_url=settings.evidence_s3_endpoint_url, region=settings.evidence_s3_region)
    directory = default_directory(settings)
    if directory is None:
        raise VaultNotConfigured("set CHILDSAFE_EVIDENCE_DIR or CHILDSAFE_EVIDENCE_S3_BUCKET: with a database "
                                 "server there is no default place for sealed evidence")
    return LocalStore(directory)


_vaults: dict[tuple[str, str | None, int | None, str | None], Vault] = {}
_lock = threading.Lock()


def _db_key(url: str) -> tuple[str, str | None, int | None, str | None]:
    parsed = make_url(url)
    return parsed.get_backend_name(), parsed.host, parsed.port, parsed.database


def configure(settings: Settings) -> Vault:
    """The vault for these settings' database (registered once; a later call with other settings replaces it)."""
    key = _db_key(settings.database_url)
    with _lock:
        current = _vaults.get(key)
        if current is None or current.settings is not settings:
            current = _vaults[key] = Vault(settings)
        return current


def vault_for(session: Session) -> Vault:
    url = session.get_bind().url
    found = _vaults.get(_db_key(url.render_as_string(hide_password=False)))
    if found is not None:
        return found
    fallback = get_settings().model_copy(update={"database_url": url.render_as_string(hide_password=False)})
    return configure(fallback)
