"""Append-only, hash-chained audit log of state changes and sensitive reads."""

from childsafe.audit.log import Actor, AuditEntry, VerifyResult, entries, head, record, verify

__all__ = ["Actor", "AuditEntry", "VerifyResult", "entries", "head", "record", "verify"]
