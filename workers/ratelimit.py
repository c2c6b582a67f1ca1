"""Outbound rate limits shared by every process: a reserving GCRA, in Redis or in this process.

Each limit ``count`` per ``per`` seconds becomes a minimum spacing between sends (a little wider than
the limit itself, ``margin``, so that scheduling jitter never pushes a burst over it). ``reserve`` books
the earliest moment allowed by every limit at once and says how long to sleep until then; a slot too
far ahead is not booked, so the caller hands the message back instead of holding a worker thread.
A 429 from the network (``penalise``) pushes every limit it named past ``retry_after``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from typing import Any

from coord.services.gateways import Limit

DEFAULT_MARGIN = 0.03

# KEYS: one per limit. ARGV[1]: the longest wait allowed (ms); ARGV[1 + i]: spacing of KEYS[i] (ms).
# Returns {granted (0/1), wait (ms)}; Redis's own clock is shared by every process.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot = now
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat > slot then slot = tat end
end
local wait = slot - now
if wait > tonumber(ARGV[1]) then return {0, wait} end
for i, key in ipairs(KEYS) do
  local spacing = tonumber(ARGV[1 + i])
  local next_free = slot + spacing
  redis.call('SET', key, next_free, 'PX', math.ceil(next_free - now) + 60000)
end
return {1, wait}
"""

# KEYS: one per limit. ARGV[1]: hold-back (ms).
PENALISE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or '0')
  if until_ms > tat then redis.call('SET', key, until_ms, 'PX', tonumber(ARGV[1]) + 60000) end
end
return 1
"""


def spacing_ms(limit: Limit, margin: float = DEFAULT_MARGIN) -> float:
    """The minimum time between two sends under ``limit``, widened by ``margin``."""
    return 1000.0 * limit.per / max(limit.count, 1) * (1 + margin)


class RedisRateLimiter:
    """Limits shared through Redis by every worker process and host."""

    def __init__(self, client: Any, *, prefix: str = "coord:rate:", margin: float = DEFAULT_MARGIN) -> None:
        self.prefix = prefix
        self.margin = margin
        self._reserve = client.register_script(RESERVE)
        self._penalise = client.register_script(PENALISE)

    def reserve(self, limits: Sequence[Limit], *, max_wait: float) -> tuple[bool, float]:
        if not limits:
            return True, 0.0
        keys = [self.prefix + limit.key for limit in limits]
        args = [int(max_wait * 1000), *(spacing_ms(limit, self.margin) for limit in limits)]
        granted, wait = self._reserve(keys=keys, args=args)
        return bool(granted), max(0.0, float(wait)) / 1000

    def penalise(self, limits: Sequence[Limit], seconds: float) -> None:
        if limits:
            self._penalise(
                keys=[self.prefix + limit.key for limit in limits], args=[math.ceil(seconds * 1000)]
            )


class LocalRateLimiter:
    """The same limits within one process (the embedded mode, without Redis)."""

    def __init__(self, *, margin: float = DEFAULT_MARGIN) -> None:
        self.margin = margin
        self._next_free: dict[str, float] = {}
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

    def penalise(self, limits: Sequence[Limit], seconds: float) -> None:
        with self._lock:
            hold = time.monotonic() * 1000 + seconds * 1000
            for limit in limits:
                self._next_free[limit.key] = max(self._next_free.get(limit.key, 0.0), hold)
