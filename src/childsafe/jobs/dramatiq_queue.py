"""Dramatiq on Redis: the production task queue. Imported only when ``task_queue = "dramatiq"``."""

import uuid

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from childsafe.jobs import outbox
from childsafe.store import Database

_db: Database | None = None


def setup(redis_url: str, db: Database) -> dramatiq.Actor:
    """Bind the broker and the database; returns the actor whose ``send`` the relay calls."""
    global _db
    _db = db
    broker = RedisBroker(url=redis_url)
    dramatiq.set_broker(broker)
    return dramatiq.actor(_run_outbox_job, actor_name="childsafe_run_outbox_job", queue_name="childsafe",
                          max_retries=0, broker=broker)


def _run_outbox_job(job_id: str) -> None:
    # Retries are the outbox's business (backoff, dead letters), so Dramatiq never retries.
    assert _db is not None, "dramatiq_queue.setup() was not called"
    outbox.run_job(_db, uuid.UUID(job_id))
