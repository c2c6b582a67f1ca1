"""The Redis leader lock (redis-py's ``Lock``): one instance leads, it keeps the lead by ticking, and
another takes over once it stops."""

from __future__ import annotations

import time

import redis

from workers.leader import RedisLeaderLock


def test_one_leads_and_another_takes_over_after_expiry(redis_url: str, prefix: str) -> None:
    # Given two schedulers sharing one key
    client = redis.Redis.from_url(redis_url)
    first = RedisLeaderLock(client, key=f"{prefix}:leader", ttl=0.5)
    second = RedisLeaderLock(client, key=f"{prefix}:leader", ttl=0.5)

    # When both try, the first leads and keeps leading while it ticks within the expiry
    assert first.acquire() is True
    assert second.acquire() is False
    for _ in range(3):
        time.sleep(0.3)
        assert first.acquire() is True
        assert second.acquire() is False
    assert first.leads() and not second.leads()

    # When the first stops ticking, its lead expires and the second takes it; the first cannot keep it
    time.sleep(0.7)
    assert second.acquire() is True
    assert first.acquire() is False
    assert not first.leads()

    # And a release hands it over at once
    second.release()
    assert first.acquire() is True
    first.release()
    second.release()  # not held: nothing happens
