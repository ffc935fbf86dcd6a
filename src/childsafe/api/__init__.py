"""HTTP API: thin routers that parse, authorise, call a capability and render."""

from childsafe.api.app import create_app

__all__ = ["create_app"]
