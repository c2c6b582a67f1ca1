"""One scheduler leads (DESIGN.md invariant 5): a lock with expiry; an instance without it idles.

- ``RedisLeaderLock``: ``SET key token NX PX ttl``, renewed on every tick only while the token is still
  ours; a leader that dies stops renewing and the lock expires.
- ``PostgresLeaderLock``: ``pg_try_advisory_lock`` on a connection of its own; the lock ends with that
  connection, so a leader that dies releases it.
- ``LocalLeaderLock``: within one process (the embedded mode on SQLite).
"""

from __future__ import annotations

import threading
import uuid
import zlib
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, text


class LeaderLock(Protocol):
    def acquire(self) -> bool:
        """Take the lead, or keep it; False while another instance leads."""
        ...

    def release(self) -> None: ...


RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLeaderLock:
    def __init__(self, client: Any, *, key: str = "coord:scheduler:leader", ttl: float = 15.0) -> None:
        self.client = client
        self.key = key
        self.ttl_ms = int(ttl * 1000)
        self.token = uuid.uuid4().hex
        self._renew = client.register_script(RENEW)
        self._release = client.register_script(RELEASE)

    def acquire(self) -> bool:
        if self._renew(keys=[self.key], args=[self.token, self.ttl_ms]):
            return True
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.token])


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
