"""Events for the platform (decision applied, reverted, appeal decided, report outcome).

Each event is an outbox job, so it exists exactly when the change it describes was committed.
Delivery goes through a ``Notifier``: a signed webhook when one is configured. Payloads carry
ids, codes and reference numbers only, never message text or a child's personal data.
"""

from childsafe.notify.events import Notifier, WebhookNotifier, configure, configure_from, publish, subscribe

__all__ = ["Notifier", "WebhookNotifier", "configure", "configure_from", "publish", "subscribe"]
