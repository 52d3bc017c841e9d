"""Engine construction for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
import threading
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from node.db.scratch import attach_scratch, clear_scratch

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Negative = KiB. The default 2 MiB page cache thrashes on the customers' indexes once a
# node holds a few hundred thousand rows; pages are only allocated as they are used.
SQLITE_CACHE_KIB = -262_144
# Reads of pages that are not in a connection's cache come straight from the OS page
# cache instead of a read() copy. That matters because SQLite drops a connection's whole
# cache whenever another connection wrote to the file (every apply at a parent).
SQLITE_MMAP_BYTES = 2 << 30  # SQLite's compiled-in ceiling is just under 2 GiB
IMMEDIATE = {"fedcrm_write": True}


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create the engine for `url`; SQLite gets WAL, foreign keys and write locking.

    Use `engine.execution_options(**IMMEDIATE)` for a writing unit of work: on SQLite it
    begins with BEGIN IMMEDIATE, so a read-then-write transaction takes the write lock
    up front and waits for it instead of failing with SQLITE_BUSY half-way.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo)
    return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)


def _sqlite_engine(url: str, echo: bool) -> Engine:
    # LIFO: the connection that wrote last (its cache still valid) is handed out next.
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False},
        pool_use_lifo=True,
        hide_parameters=True,  # errors in logs never carry customers' data
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so BEGIN is ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
        cur.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cur.close()
        attach_scratch(dbapi_conn)

    writers = _writer_lock(make_url(url).database or "")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, record: Any) -> None:
        writers.release(record.info)  # a transaction that ended without commit or rollback
        if dbapi_conn is not None:
            clear_scratch(dbapi_conn, record.info)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("fedcrm_write", False)
        if write:
            writers.acquire(conn.info)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Any) -> None:
        writers.release(conn.info)

    return engine


class _WriterLock:
    """The threads of one process queue for a SQLite file's write lock here, woken as
    soon as it is free, instead of in SQLite's busy handler, which sleeps in steps of up
    to 100 ms and serves waiters in no order (50 agents asking for their next callback
    at once waited up to seconds). Other processes still meet the busy timeout."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def acquire(self, info: dict[str, Any]) -> None:
        if info.get(_HOLDS):
            return
        # A thread that already writes through another connection would wait on itself:
        # after the busy timeout it goes on to BEGIN IMMEDIATE, which fails as before.
        if self.lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            info[_HOLDS] = True

    def release(self, info: dict[str, Any]) -> None:
        if info.pop(_HOLDS, False):
            self.lock.release()


_HOLDS = "fedcrm_holds_writer_lock"
_WRITER_LOCKS: dict[str, _WriterLock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(database: str) -> _WriterLock:
    """The lock of one database file, shared by every engine on it in this process (an
    in-memory database is one connection's own: it gets a lock of its own)."""
    if database in ("", ":memory:"):
        return _WriterLock()
    key = os.path.realpath(database)
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(key, _WriterLock())


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def driver_connection(conn: Connection) -> Any:
    """The driver's own connection under `conn` (sqlite3's or psycopg's), for what
    SQLAlchemy does not offer: serialize, COPY, a bare cursor. Typed Any: it is each
    driver's own class. SQLAlchemy's type allows None, which only a pooled connection
    that was detached has, never the one a Connection in use holds."""
    driver = conn.connection.driver_connection
    if driver is None:
        raise RuntimeError("the pooled connection has no driver connection (detached)")
    return driver
