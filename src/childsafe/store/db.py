"""Engine and unit of work.

SQLite runs in WAL mode with ``synchronous=FULL`` and every transaction starts with
``BEGIN IMMEDIATE``: writers queue on the database lock up front instead of failing half-way,
and an acknowledged write is on disk before the API answers. PostgreSQL needs none of this.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def is_postgres(url_or_engine: str | Engine) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else make_url(url_or_engine)
    return url.get_backend_name() == "postgresql"


def _normalise(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_engine(url: str) -> Engine:
    # A small pool: connections (and their PRAGMAs) are reused instead of reopened per transaction.
    pooling = {} if ":memory:" in url or url.rstrip("/").endswith("sqlite:") else {"pool_size": 5, "max_overflow": 5}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pooling)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages: bulk hash imports touch big indexes
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """One per process. Holds the engine and hands out transactions."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = _normalise(url)
        if self.url.startswith("sqlite"):
            self.engine = _sqlite_engine(self.url)
        else:
            try:
                self.engine = create_engine(self.url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)
            except ModuleNotFoundError as exc:
                raise RuntimeError("PostgreSQL needs the psycopg driver: pip install 'childsafe[postgres]' "
                                   "(psycopg is LGPL-3.0, so it is an optional extra)") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite admits one writer at a time and its busy handler retries by sleeping, which is unfair
        # under load (p99 in seconds). Queueing this process's transactions on a lock is fair and
        # cheap; other processes still meet the database lock and its busy timeout.
        self._writer = threading.RLock() if not self.postgres else None

    @property
    def postgres(self) -> bool:
        return is_postgres(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back on any exception. Audit entries are sealed at commit."""
        with self._writer or nullcontext():
            session = self._sessions()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def beside_database(url: str, suffix: str, configured: str | None = None) -> Path | None:
    """A folder for files that belong with the data: ``configured``, or ``<sqlite file><suffix>`` next to an
    embedded database file; ``None`` for a server database or an in-memory one (the caller then must be told)."""
    if configured:
        return Path(configured)
    if url.startswith("sqlite:///") and ":memory:" not in url and len(url) > len("sqlite:///"):
        return Path(url.removeprefix("sqlite:///") + suffix)
    return None
