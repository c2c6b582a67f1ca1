"""Engine and session factories.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every transaction
begins IMMEDIATE so that two writers queue instead of failing half-way; inside one process writers
queue in order on a per-file lock (``WriteQueue``) before SQLite's, and connections are pooled.
PostgreSQL uses psycopg 3; a pooled connection the server has ended is replaced before it is lent.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool

from coord.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_POOL_SIZE = 12  # idle connections kept per SQLite engine


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    """An engine for ``url``, tuned for its database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    if parsed.get_driver_name() != "psycopg":  # another driver: the pool pings before every checkout
        return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    from coord.postgres import live_connections_only

    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size)
    event.listen(engine, "checkout", live_connections_only(engine))
    return engine


class WriteQueue:
    """One database file's write lock inside this process: a FIFO lock, reentrant per thread.

    Every SQLite transaction begins ``BEGIN IMMEDIATE``. Threads of one process that wait for SQLite's write
    lock would sleep in its busy handler, which backs off (up to 100 ms a nap) and serves nobody in order, so
    a queue of a few threads becomes hundreds of milliseconds. Taken before ``BEGIN IMMEDIATE`` and given back
    when the transaction ends, this lock makes them wait in arrival order and wakes the next one at once;
    other processes still meet at SQLite's lock and its busy timeout. Reentrant so that a thread opening a
    second transaction while holding one fares as it did before (it waits in SQLite's busy handler), instead
    of waiting for itself here.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: deque[tuple[int, threading.Lock]] = deque()

    def acquire(self, timeout: float) -> bool:
        """Wait in turn for the lock (at most ``timeout`` seconds); False when the wait timed out."""
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me or (self._owner is None and not self._waiters):
                self._owner = me
                self._depth += 1
                return True
            turn = threading.Lock()
            turn.acquire()
            waiter = (me, turn)
            self._waiters.append(waiter)
        if turn.acquire(timeout=timeout):
            return True  # handed over by release(): already the owner
        with self._mutex:
            if self._owner == me and waiter not in self._waiters:
                return True  # handed over just as the wait ran out
            self._waiters.remove(waiter)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._depth == 0:
                raise RuntimeError("WriteQueue released while not held")
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                self._owner, turn = self._waiters.popleft()
                self._depth = 1
                turn.release()
            else:
                self._owner = None

    @property
    def held(self) -> bool:
        return self._depth > 0


_write_queues: dict[str, WriteQueue] = {}
_write_queues_lock = threading.Lock()


def write_queue(path: str) -> WriteQueue:
    """The write queue of the database file at ``path`` (one per file per process, shared by its engines)."""
    key = os.path.realpath(path)
    with _write_queues_lock:
        return _write_queues.setdefault(key, WriteQueue())


class QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its file's :class:`WriteQueue` from ``BEGIN IMMEDIATE`` until the
    transaction is over: after commit or rollback (when SQLite says no transaction is open), or on close."""

    write_queue: WriteQueue | None = None
    _holds_queue = False

    def begin_immediate(self, begin: Callable[[], object]) -> None:
        """Take the queue, then run ``begin`` (it sends ``BEGIN IMMEDIATE``); give it back if that fails."""
        queue = self.write_queue
        if queue is not None and not self._holds_queue:
            if not queue.acquire(SQLITE_BUSY_TIMEOUT_MS / 1000):
                raise OperationalError(
                    "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked (in-process queue)")
                )
            self._holds_queue = True
        try:
            begin()
        except BaseException:
            self._release_queue(force=True)
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_queue(force=True)

    def __del__(self) -> None:  # dropped without close(): SQLite rolls back, so the queue is free too
        if self._holds_queue:
            self._release_queue(force=True)

    def _release_queue(self, *, force: bool = False) -> None:
        if not self._holds_queue or (not force and self._still_in_transaction()):
            return
        self._holds_queue = False
        assert self.write_queue is not None
        self.write_queue.release()

    def _still_in_transaction(self) -> bool:
        try:
            return self.in_transaction
        except sqlite3.ProgrammingError:  # closed
            return False


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    database = make_url(url).database
    memory = database in (None, "", ":memory:") or str(database).startswith("file:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    queue = None
    if not memory:
        assert database is not None
        _create_private(database)
        queue = write_queue(database)
        # Connections are kept (opening one and its PRAGMAs cost more than most transactions); the pool
        # never makes a thread wait: past SQLITE_POOL_SIZE idle connections, extra ones are closed on return.
        kwargs["poolclass"] = QueuePool
        kwargs["pool_size"] = SQLITE_POOL_SIZE
        kwargs["max_overflow"] = -1
        kwargs["connect_args"]["factory"] = QueuedConnection
    engine = create_engine(url, echo=echo, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if isinstance(dbapi_connection, QueuedConnection):
            dbapi_connection.write_queue = queue

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        if isinstance(dbapi_connection, QueuedConnection):
            dbapi_connection.begin_immediate(lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"))
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_private(database: str) -> None:
    """Create the SQLite file readable and writable by the service's user only, before SQLite does with
    the process's umask (residents' details are in it); its -wal and -shm files take the same mode."""
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return
    with contextlib.suppress(FileExistsError):  # another process made it first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def engine_from_settings(settings: Settings) -> Engine:
    return make_engine(settings.database_url, echo=settings.sql_echo)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


_DIALECT_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_new(session: Session, model: type[DeclarativeBase], *, unique: Sequence[str]) -> Any:
    """``INSERT ... ON CONFLICT (unique) DO NOTHING`` for ``model`` in the session's dialect: a row whose
    key is already there is skipped, not an error (the way every "write it once" in coord is written)."""
    return _insert_new(session.get_bind().dialect.name, model, tuple(unique))


@functools.cache
def _insert_new(dialect: str, model: type[DeclarativeBase], unique: tuple[str, ...]) -> Any:
    # Built once per shape: building a statement costs more client CPU than sending it.
    return _DIALECT_INSERTS[dialect](model).on_conflict_do_nothing(index_elements=list(unique))
