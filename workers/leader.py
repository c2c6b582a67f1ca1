"""One scheduler leads (DESIGN.md invariant 5): a lock with expiry; an instance without it idles.

- ``RedisLeaderLock``: redis-py's ``Lock`` with a timeout, extended on every tick only while its token is
  still ours; a leader that dies stops extending it and the lock expires.
- ``PostgresLeaderLock``: ``pg_try_advisory_lock`` on a connection of its own; the lock ends with that
  connection, so a leader that dies releases it.
- ``LocalLeaderLock``: within one process (the embedded mode on SQLite).
"""

from __future__ import annotations

import contextlib
import threading
import zlib
from typing import Any, Protocol

from redis.exceptions import LockError
from sqlalchemy import Connection, Engine, text


class LeaderLock(Protocol):
    def acquire(self) -> bool:
        """Take the lead, or keep it; False while another instance leads."""
        ...

    def release(self) -> None: ...


class RedisLeaderLock:
    """redis-py's ``Lock`` (its token and its scripts) held with expiry and extended on every tick."""

    def __init__(self, client: Any, *, key: str = "coord:scheduler:leader", ttl: float = 15.0) -> None:
        self.client = client
        self.key = key
        # thread_local=False: the scheduler may tick from another thread than the one that took the lead.
        self._lock = client.lock(key, timeout=ttl, blocking=False, thread_local=False)

    def acquire(self) -> bool:
        if self._lock.local.token is not None:
            try:
                self._lock.reacquire()  # still ours: the expiry starts again
                return True
            except LockError:  # it expired, and perhaps another instance took it
                self._lock.local.token = None
        return bool(self._lock.acquire(blocking=False))

    def leads(self) -> bool:
        """Whether this instance holds the lead now (asked of Redis)."""
        return bool(self._lock.owned())

    def release(self) -> None:
        with contextlib.suppress(LockError):  # not held, or expired already
            self._lock.release()


def advisory_key(name: str) -> int:
    """A stable 63-bit lock number for ``name``."""
    return zlib.crc32(name.encode()) | (0x436F6F72 << 32)  # "Coor" in the high bits: a positive bigint


class PostgresLeaderLock:
    def __init__(self, engine: Engine, *, name: str = "coord-scheduler") -> None:
        self.engine = engine
        self.key = advisory_key(name)
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                self._connection.commit()
                return True
            except Exception:  # the connection died, and the lock with it
                self._drop()
        connection = self.engine.connect()
        got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        connection.commit()
        if got:
            self._connection = connection
        else:
            connection.close()
        return got

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                self._connection.commit()
            finally:
                self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


_LOCAL: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


class LocalLeaderLock:
    def __init__(self, name: str = "coord-scheduler") -> None:
        with _LOCAL_GUARD:
            self._lock = _LOCAL.setdefault(name, threading.Lock())
        self._held = False

    def acquire(self) -> bool:
        if not self._held:
            self._held = self._lock.acquire(blocking=False)
        return self._held

    def release(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()
