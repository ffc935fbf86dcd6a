"""Runners for the outbox.

``InProcessRunner`` is the embedded default: one daemon thread per process, woken after each
commit that enqueued work and every second otherwise. ``Relay`` is the production path: it hands
due job ids to Dramatiq workers over Redis; a message lost on the way is relayed again after
``resend_after``, and a duplicate is harmless because only one claim can win.
"""

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from childsafe.jobs import outbox
from childsafe.store import Database, utcnow

log = logging.getLogger("childsafe.jobs")

SendFn = Callable[[str], object]


class InProcessRunner:
    def __init__(self, db: Database, *, interval: float = 1.0) -> None:
        self.db = db
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        outbox.on_enqueue(self._wake.set)
        self._thread = threading.Thread(target=self._loop, name="childsafe-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        outbox.off_enqueue(self._wake.set)
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                outbox.run_due(self.db)
            except Exception:  # the database may be briefly unavailable; try again next tick
                log.exception("in-process job runner tick failed")


class Relay:
    """Sends due outbox jobs to Dramatiq. Several relays may run; claims keep execution single."""

    def __init__(self, db: Database, send: SendFn, *, resend_after: timedelta = timedelta(seconds=60)) -> None:
        self.db = db
        self.send = send
        self.resend_after = resend_after

    def relay_once(self, limit: int = 500) -> int:
        with self.db.transaction() as session:
            ids = outbox.due_job_ids(session, limit=limit, relayed_before=utcnow() - self.resend_after)
            for job_id in ids:
                self.send(str(job_id))
            outbox.mark_relayed(session, ids)
        return len(ids)

