"""Run a report's independent aggregate queries side by side, all reading the same snapshot.

On PostgreSQL the calling transaction exports its snapshot (``pg_export_snapshot``) and each query runs
on its own connection in a REPEATABLE READ transaction that imports it, so the figures agree with each
other exactly as if one transaction had read them, while the server works on several tables at once.
SQLite runs them one after the other in the caller's transaction.
"""

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+-[0-9]+$", re.IGNORECASE)
MAX_WORKERS = 8


def gather(session: Session, queries: dict[str, Callable[[Session], Any]]) -> dict[str, Any]:
    bind = session.get_bind()
    if bind.dialect.name != "postgresql" or len(queries) < 2:
        return {name: query(session) for name, query in queries.items()}
    snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    if not _SNAPSHOT_ID.match(snapshot):  # it is inlined below (SET TRANSACTION SNAPSHOT takes no parameters)
        raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    engine = getattr(bind, "engine", bind)

    def run(query: Callable[[Session], Any]) -> Any:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                with Session(bind=conn) as worker:
                    return query(worker)

    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(queries)), thread_name_prefix="report") as pool:
        futures = {name: pool.submit(run, query) for name, query in queries.items()}
        return {name: future.result() for name, future in futures.items()}
