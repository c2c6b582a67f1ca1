"""Shared rate limits (Redis, in-process) and the scheduler's leader locks (Redis, PostgreSQL, in-process)."""

from __future__ import annotations

import itertools

import pytest
import redis

from coord.services.outbox.gateways import Limit, Outbound, telegram_limits
from tests.conftest import FreshDatabase
from tests.workers.helpers import until
from workers.leader import LocalLeaderLock, PostgresLeaderLock, RedisLeaderLock
from workers.ratelimit import LocalRateLimiter, RedisRateLimiter, spacing_ms

TEN_A_SECOND = Limit("ten", 10, 1.0)


@pytest.fixture(params=["local", "redis"])
def limiters(request: pytest.FixtureRequest) -> tuple[object, object]:
    """Two limiters that must share their limits: two Redis clients (two processes), or one local limiter."""
    if request.param == "local":
        local = LocalRateLimiter()
        return local, local
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("prefix")
    return tuple(RedisRateLimiter(redis.Redis.from_url(url), prefix=prefix + ":") for _ in range(2))  # type: ignore[return-value]


def test_slots_are_spaced_and_shared(limiters: tuple[RedisRateLimiter, RedisRateLimiter]) -> None:
    first, second = limiters
    waits = [limiter.reserve([TEN_A_SECOND], max_wait=5)[1] for limiter in (first, second, first, second)]
    spacing = spacing_ms(TEN_A_SECOND) / 1000
    assert waits[0] < 0.01
    for earlier, later in itertools.pairwise(waits):
        assert later - earlier == pytest.approx(spacing, abs=0.01)


def test_a_slot_too_far_ahead_is_not_booked(limiters: tuple[RedisRateLimiter, RedisRateLimiter]) -> None:
    first, second = limiters
    slow = Limit("slow", 1, 60.0)
    assert first.reserve([slow], max_wait=1)[0]
    granted, wait = second.reserve([slow], max_wait=1)
    assert not granted and wait > 59
    granted_again, wait_again = second.reserve([slow], max_wait=1)
    assert not granted_again and wait_again == pytest.approx(wait, abs=0.05)  # the refusal booked nothing


def test_every_limit_of_a_send_is_respected_at_once(
    limiters: tuple[RedisRateLimiter, RedisRateLimiter],
) -> None:
    first, _ = limiters
    chat = Outbound("telegram", "42", is_group=True, text="hi")
    limits = telegram_limits("bot", chat)
    assert [limit.count for limit in limits] == [30, 1, 20]
    first.reserve(limits, max_wait=5)
    granted, wait = first.reserve(limits, max_wait=5)  # the same group chat again: its 20/min spacing rules
    assert granted and wait == pytest.approx(3.0 * 1.01, abs=0.05)


def test_a_send_is_admitted_only_while_the_window_has_room(
    limiters: tuple[RedisRateLimiter, RedisRateLimiter],
) -> None:
    first, second = limiters
    two_a_second = Limit("two", 2, 1.0)
    assert first.admit([two_a_second]) == 0 and second.admit([two_a_second]) == 0
    # A third send within the same second must wait for the oldest to leave the window, and is not counted
    wait = first.admit([two_a_second])
    assert 0.9 < wait <= 1.02
    assert second.admit([two_a_second]) == pytest.approx(wait, abs=0.05)


def test_a_429_holds_back_every_sender(limiters: tuple[RedisRateLimiter, RedisRateLimiter]) -> None:
    first, second = limiters
    first.penalise([TEN_A_SECOND], 4.0)
    granted, wait = second.reserve([TEN_A_SECOND], max_wait=1)
    assert not granted and wait == pytest.approx(4.0, abs=0.05)


def test_redis_leader_lock_one_leads_and_expiry_hands_over(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    first = RedisLeaderLock(client, key=f"{prefix}:leader", ttl=0.3)
    second = RedisLeaderLock(client, key=f"{prefix}:leader", ttl=0.3)
    assert first.acquire() and not second.acquire()
    assert first.acquire()  # renewing
    # The first leader dies: it stops renewing, and Redis lets its lease run out
    until(lambda: not client.exists(f"{prefix}:leader"), what="the lease to run out", every=0.01)
    assert second.acquire() and not first.acquire()
    second.release()
    assert first.acquire()


def test_postgres_leader_lock_ends_with_its_connection(fresh_db: FreshDatabase, database_kind: str) -> None:
    if database_kind != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    engine = fresh_db.engine(migrate=False)
    first, second = (
        PostgresLeaderLock(engine, name=str(id(engine))),
        PostgresLeaderLock(engine, name=str(id(engine))),
    )
    assert first.acquire() and not second.acquire() and first.acquire()
    assert first._connection is not None
    first._connection.invalidate()  # the leader's process died: its connection is gone
    first._connection = None
    until(second.acquire, what="the server to notice the closed socket", timeout=5)
    assert second.acquire()
    second.release()


def test_local_leader_lock() -> None:
    first, second = LocalLeaderLock("local-test"), LocalLeaderLock("local-test")
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
