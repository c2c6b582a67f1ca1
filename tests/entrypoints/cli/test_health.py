"""``coord health`` reports the outbox backlog, the oldest wait and whether a scheduler leads, and fails
past its thresholds, so a container health check means something."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner, Result

from coord.db import make_engine
from coord.entrypoints.cli import app
from tests.conftest import FreshDatabase
from tests.workers.conftest import redis_url as redis_url
from tests.workers.test_run import a_message
from workers.leader import PostgresLeaderLock, RedisLeaderLock

REDIS_DB = 12  # this test's own: coord health looks at coord's own key names


def health(url: str, **settings: str) -> Result:
    env = {"COORD_DATABASE_URL": url, "COORD_LANGUAGE": "en", **settings}
    return CliRunner().invoke(app, ["health"], env=env)


def test_the_outbox_backlog_is_reported_and_a_threshold_fails_the_check(tmp_path: Path) -> None:
    # Given one notification waiting
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    a_message(url)
    # Then health reports it, and passes under the default thresholds
    done = health(url)
    assert done.exit_code == 0, done.output
    assert "outbox: 1 waiting" in done.stdout and "scheduler: runs inside coord run" in done.stdout
    # But fails past a threshold, naming it
    too_many = health(url, COORD_HEALTH_MAX_BACKLOG="0")
    assert too_many.exit_code == 1 and "COORD_HEALTH_MAX_BACKLOG (0)" in too_many.stderr
    too_old = health(url, COORD_HEALTH_MAX_PENDING_SECONDS="0")
    assert too_old.exit_code == 1 and "COORD_HEALTH_MAX_PENDING_SECONDS" in too_old.stderr


@pytest.fixture
def own_redis(redis_url: str) -> Iterator[str]:
    base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url
    url = f"{base}/{REDIS_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def test_a_leading_scheduler_is_seen_in_redis(tmp_path: Path, own_redis: str) -> None:
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    a_message(url)
    # Given no scheduler: reported, and a failure where one is required
    alone = health(url, COORD_REDIS_URL=own_redis, COORD_HEALTH_REQUIRE_LEADER="true")
    assert alone.exit_code == 1 and "scheduler: none leads" in alone.stdout
    assert "COORD_HEALTH_REQUIRE_LEADER" in alone.stderr
    # When a scheduler takes the lead (the key workers.scheduler.leader_for uses)
    lock = RedisLeaderLock(redis.Redis.from_url(own_redis), key="coord:scheduler:leader")
    assert lock.acquire()
    try:
        led = health(url, COORD_REDIS_URL=own_redis, COORD_HEALTH_REQUIRE_LEADER="true")
        assert led.exit_code == 0, led.output
        assert "redis: ready" in led.stdout and "scheduler: one leads" in led.stdout
    finally:
        lock.release()


def test_a_leading_scheduler_is_seen_in_postgresql(fresh_db: FreshDatabase, database_kind: str) -> None:
    if database_kind != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's")
    url = fresh_db.url()
    a_message(url)
    engine = make_engine(url)
    lock = PostgresLeaderLock(engine, name="coord-scheduler")
    assert lock.acquire()
    try:
        done = health(url, COORD_HEALTH_REQUIRE_LEADER="true")
        assert done.exit_code == 0, done.output
        assert "scheduler: one leads" in done.stdout
    finally:
        lock.release()
        engine.dispose()
