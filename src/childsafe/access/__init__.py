"""API keys and the roles they carry. Keys are shown once and stored only as hashes."""

from childsafe.access.keys import ApiKey, CreatedKey, authenticate, create_key, list_keys, revoke_key

__all__ = ["ApiKey", "CreatedKey", "authenticate", "create_key", "list_keys", "revoke_key"]
