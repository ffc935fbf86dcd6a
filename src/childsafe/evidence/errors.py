"""Why the vault refuses: it fails closed, and every refusal names what is wrong."""

from childsafe.errors import Conflict, DomainError


class VaultLocked(DomainError):
    """No usable master key: nothing is stored and nothing is read, rather than anything in the clear."""

    status = 503
    title = "Evidence master key missing"


class StoreUnavailable(DomainError):
    """The object store refused or could not be reached: nothing was stored or served; try again later."""

    status = 503
    title = "Evidence store unavailable"


class TamperedEvidence(Conflict):
    """The stored ciphertext or wrapped key no longer authenticates: the item is refused, never served."""

    title = "Evidence failed its integrity check"


class HoldNotActive(Conflict):
    """An expired or released hold is never extended silently; place a new hold instead."""

    title = "Preservation hold is not active"


class EvidencePurged(DomainError):
    status = 410
    title = "Evidence purged"
