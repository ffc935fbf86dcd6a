"""Publishing and delivering platform events."""

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx
import orjson
from sqlalchemy.orm import Session

from childsafe import jobs
from childsafe.store import new_id, utcnow


class Notifier(Protocol):
    def deliver(self, event: dict[str, Any]) -> None:
        """Deliver or raise; the outbox retries with backoff. Must tolerate duplicates (event id)."""


class WebhookNotifier:
    """POSTs the event as JSON with an HMAC-SHA256 signature over ``timestamp.body``."""

    def __init__(self, url: str, secret: str, *, timeout: float = 5.0) -> None:
        self.url, self.secret, self.timeout = url, secret.encode(), timeout

    def deliver(self, event: dict[str, Any]) -> None:
        body = orjson.dumps(event)
        stamp = str(int(time.time()))
        signature = hmac.new(self.secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        response = httpx.post(self.url, content=body, timeout=self.timeout, headers={
            "Content-Type": "application/json", "Childsafe-Event-Id": event["id"],
            "Childsafe-Timestamp": stamp, "Childsafe-Signature": f"sha256={signature}",
        })
        response.raise_for_status()


class _Nowhere:
    """No webhook configured: the event stays recorded in the outbox as delivered to nobody."""

    def deliver(self, event: dict[str, Any]) -> None:
        return None


_notifier: Notifier = _Nowhere()


def configure(notifier: Notifier | None) -> None:
    global _notifier
    _notifier = notifier or _Nowhere()


def configure_from(webhook_url: str | None, webhook_secret: str | None) -> None:
    """Use the webhook from settings when one is set; the service and the worker both call this."""
    configure(WebhookNotifier(webhook_url, webhook_secret or "") if webhook_url else None)


Subscriber = Callable[[Session, dict[str, Any]], None]
_SUBSCRIBERS: dict[str, list[Subscriber]] = {}


def subscribe(event_type: str) -> Callable[[Subscriber], Subscriber]:
    """Register an in-process reaction to an event, run inside the publishing transaction.

    This lets a capability react to another's events (the transparency database queueing a new statement of
    reasons, say) without the publisher knowing it exists. Subscribers should only enqueue work."""

    def register(fn: Subscriber) -> Subscriber:
        _SUBSCRIBERS.setdefault(event_type, []).append(fn)
        return fn

    return register


def publish(session: Session, event_type: str, data: dict[str, Any]) -> None:
    event_id = str(new_id())
    jobs.enqueue(session, "notify.deliver",
                 {"id": event_id, "type": event_type, "at": utcnow().isoformat(), "data": data})
    for subscriber in _SUBSCRIBERS.get(event_type, ()):
        subscriber(session, data)


@jobs.external_handler("notify.deliver")
def _deliver(payload: dict[str, Any]) -> None:
    _notifier.deliver(payload)
