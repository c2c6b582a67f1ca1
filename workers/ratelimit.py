"""Outbound rate limits shared by every process, in Redis (or in this process for the embedded mode).

Two steps per send. ``reserve`` paces: each limit ``count`` per ``per`` seconds becomes a minimum
spacing (a reserving GCRA, ``margin`` wider than the limit) and the caller is told how long to sleep
until its slot; a slot too far ahead is not booked, so the caller hands the message back instead of
holding a worker thread. ``admit``, called right before the send, guards: it counts the sends really
made in the last ``per`` seconds (plus ``WINDOW_MARGIN``) under each limit, a sliding-window log, and
admits this one only if every window has room, because a thread that overslept (the GIL, a garbage
collection) must not make two sends closer than the network allows. A 429 from the network
(``penalise``) pushes every limit it named past ``retry_after``.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from coord.services.outbox.gateways import Limit
from coord.settings import Settings

DEFAULT_MARGIN = 0.01  # pacing: slots 1% wider apart than the limit
WINDOW_MARGIN = 0.02  # the guard's window is 2% longer than the network's (a send is recorded a little late)

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
"""

# KEYS: the pacing key of each limit. ARGV[1]: the longest wait allowed (ms); ARGV[1 + i]: spacing (ms).
# Returns {granted (0/1), wait (ms)}; Redis's own clock is shared by every process.
RESERVE = (
    _NOW
    + """
local slot = now
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat > slot then slot = tat end
end
local wait = slot - now
if wait > tonumber(ARGV[1]) then return {0, tostring(wait)} end
for i, key in ipairs(KEYS) do
  local next_free = slot + tonumber(ARGV[1 + i])
  redis.call('SET', key, tostring(next_free), 'PX', math.ceil(next_free - now) + 60000)
end
return {1, tostring(wait)}
"""
)

# KEYS: the window key of each limit. ARGV: per (ms) and count of each limit, then a unique member.
# Returns the wait (ms) until every window has room, or 0 when the send is admitted (and recorded).
ADMIT = (
    _NOW
    + """
local wait = 0
for i, key in ipairs(KEYS) do
  local per, count = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - per)
  if redis.call('ZCARD', key) >= count then
    local oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
    wait = math.max(wait, oldest + per - now)
  end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[#ARGV] .. ':' .. tostring(now))
  redis.call('PEXPIRE', key, math.ceil(tonumber(ARGV[2 * i - 1])) + 1000)
end
return '0'
"""
)

# KEYS: the pacing key of each limit. ARGV[1]: hold-back (ms).
PENALISE = (
    _NOW
    + """
local until_ms = now + tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or '0')
  if until_ms > tat then redis.call('SET', key, tostring(until_ms), 'PX', tonumber(ARGV[1]) + 60000) end
end
return 1
"""
)


def spacing_ms(limit: Limit, margin: float = DEFAULT_MARGIN) -> float:
    """The minimum time between two sends under ``limit``, widened by ``margin``."""
    return 1000.0 * limit.per / max(limit.count, 1) * (1 + margin)


class RedisRateLimiter:
    """Limits shared through Redis by every worker process and host."""

    def __init__(self, client: Any, *, prefix: str = "coord:rate:", margin: float = DEFAULT_MARGIN) -> None:
        self.prefix = prefix
        self.margin = margin
        self._reserve = client.register_script(RESERVE)
        self._admit = client.register_script(ADMIT)
        self._penalise = client.register_script(PENALISE)
        self._member = secrets.token_hex(6)

    def reserve(self, limits: Sequence[Limit], *, max_wait: float) -> tuple[bool, float]:
        if not limits:
            return True, 0.0
        keys = [f"{self.prefix}pace:{limit.key}" for limit in limits]
        args = [int(max_wait * 1000), *(spacing_ms(limit, self.margin) for limit in limits)]
        granted, wait = self._reserve(keys=keys, args=args)
        return bool(int(granted)), max(0.0, float(wait)) / 1000

    def admit(self, limits: Sequence[Limit]) -> float:
        if not limits:
            return 0.0
        keys = [f"{self.prefix}window:{limit.key}" for limit in limits]
        args: list[Any] = [
            v for limit in limits for v in (limit.per * 1000 * (1 + WINDOW_MARGIN), limit.count)
        ]
        member = f"{self._member}:{threading.get_ident()}"
        return max(0.0, float(self._admit(keys=keys, args=[*args, member]))) / 1000

    def penalise(self, limits: Sequence[Limit], seconds: float) -> None:
        if limits:
            keys = [f"{self.prefix}pace:{limit.key}" for limit in limits]
            self._penalise(keys=keys, args=[math.ceil(seconds * 1000)])


class LocalRateLimiter:
    """The same limits within one process (the embedded mode, without Redis)."""

    def __init__(self, *, margin: float = DEFAULT_MARGIN) -> None:
        self.margin = margin
        self._next_free: dict[str, float] = {}
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def reserve(self, limits: Sequence[Limit], *, max_wait: float) -> tuple[bool, float]:
        with self._lock:
            now = time.monotonic() * 1000
            slot = max([now, *(self._next_free.get(limit.key, 0.0) for limit in limits)])
            wait = slot - now
            if wait > max_wait * 1000:
                return False, wait / 1000
            for limit in limits:
                self._next_free[limit.key] = slot + spacing_ms(limit, self.margin)
            return True, wait / 1000

    def admit(self, limits: Sequence[Limit]) -> float:
        with self._lock:
            now = time.monotonic()
            wait = 0.0
            for limit in limits:
                per = limit.per * (1 + WINDOW_MARGIN)
                sent = self._sent.setdefault(limit.key, deque())
                while sent and sent[0] <= now - per:
                    sent.popleft()
                if len(sent) >= limit.count:
                    wait = max(wait, sent[0] + per - now)
            if wait > 0:
                return wait
            for limit in limits:
                self._sent[limit.key].append(now)
            return 0.0

    def penalise(self, limits: Sequence[Limit], seconds: float) -> None:
        with self._lock:
            hold = time.monotonic() * 1000 + seconds * 1000
            for limit in limits:
                self._next_free[limit.key] = max(self._next_free.get(limit.key, 0.0), hold)


def shared_limiter(settings: Settings, *, namespace: str = "coord") -> RedisRateLimiter | LocalRateLimiter:
    """The limiter every process of a deployment shares: in Redis (the keys ``build_runtime`` gives the
    workers), or this process's own without Redis (``coord run``'s bots and workers share it there)."""
    if settings.redis_url:
        import redis

        return RedisRateLimiter(redis.Redis.from_url(settings.redis_url), prefix=f"{namespace}:rate:")
    return LocalRateLimiter()
