"""Durable background work: an outbox table written in the same transaction as the change that
causes the work, and runners that execute it (in-process thread, or Dramatiq on Redis)."""

from childsafe.jobs.outbox import Job, enqueue, external_handler, handler, pending_count, run_due, run_job
from childsafe.jobs.runners import InProcessRunner, Relay

__all__ = [
    "InProcessRunner", "Job", "Relay", "enqueue", "external_handler", "handler", "pending_count", "run_due", "run_job",
]
