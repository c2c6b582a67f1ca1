"""Fixtures for the workers: Redis (``COORD_TEST_REDIS_URL``), committed worlds, brokers and workers.

Redis is needed only where the test is about Redis. Without ``COORD_TEST_REDIS_URL`` those tests skip on
a laptop and fail when ``CI=true`` (as ``COORD_TEST_DATABASE_URL`` does). Each test gets its own key
prefix (Dramatiq namespace, rate-limit and leader keys) and deletes its keys afterwards, so runs on the
same Redis database never collide; "flushing Redis" in a test deletes that prefix only.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import FrozenClock
from coord.db import make_session_factory
from coord.services.outbox.gateways import MemoryGateway
from coord.services.schedule.tick import Dispatch
from tests.conftest import IN_CI, FreshDatabase
from tests.factories import NOW, World, build_world
from workers.actors import Actors, declare_actors
from workers.leader import LocalLeaderLock
from workers.ratelimit import LocalRateLimiter
from workers.runtime import Runtime
from workers.scheduler import Scheduler

REDIS_URL = os.environ.get("COORD_TEST_REDIS_URL")


@pytest.fixture
def redis_url() -> str:
    if REDIS_URL:
        return REDIS_URL
    if IN_CI:
        pytest.fail("COORD_TEST_REDIS_URL is not set, and CI=true: Redis tests must run in CI")
    pytest.skip("COORD_TEST_REDIS_URL not set: Redis tests skipped on this machine")


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"coordtest-{os.getpid()}-{secrets.token_hex(4)}"
    yield name
    delete_prefix(redis_url, name)


def delete_prefix(url: str, name: str) -> int:
    """Delete every key under ``name`` (this test's share of Redis): a flush that spares other runs."""
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{name}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


@dataclass
class Deployment:
    """A migrated database with a committed world, a frozen clock and a gateway that keeps what it sends."""

    engine: Engine
    factory: sessionmaker[Session]
    world: World
    clock: FrozenClock
    gateway: MemoryGateway

    def runtime(self, **changes: Any) -> Runtime:
        values: dict[str, Any] = {
            "factory": self.factory,
            "clock": self.clock,
            "gateways": {"test": self.gateway},
            "limiter": LocalRateLimiter(),
        }
        values.update(changes)
        return Runtime(**values)

    def session(self) -> Session:
        return self.factory()

    def scheduler(self, enqueue: Callable[[Dispatch], None]) -> Scheduler:
        """A scheduler on this deployment's database and clock that leads alone (a lock of its own)."""
        return Scheduler(
            self.factory, clock=self.clock, enqueue=enqueue, leader=LocalLeaderLock(secrets.token_hex(4))
        )


def deploy(fresh: FreshDatabase, *, pool_size: int = 10) -> Deployment:
    from coord.services.people.people import link_account
    from tests.factories import SYSTEM
    from tests.workers.helpers import with_team_chats

    engine = fresh.engine(pool_size=pool_size)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        world = build_world(session)
        people = [world.coordinator, world.gate_captain, world.supply_captain, *world.volunteers]
        for person in [*people, *world.supply_volunteers]:
            link_account(
                session=session,
                actor=SYSTEM,
                person=person,
                network="test",
                external_id=f"u{person.id}",
                dm_chat_id=f"dm{person.id}",
            )
        with_team_chats(session, world)
    return Deployment(engine, factory, world, FrozenClock(NOW), MemoryGateway("test"))


@pytest.fixture
def deployment(fresh_db: FreshDatabase) -> Deployment:
    return deploy(fresh_db)


@dataclass
class InProcess:
    broker: StubBroker
    actors: Actors
    worker: Worker

    def drain(self) -> None:
        for queue in ("duties", "delivery"):
            self.broker.join(queue)
        self.worker.join()


@pytest.fixture
def in_process(deployment: Deployment) -> Iterator[InProcess]:
    """A StubBroker and an in-process worker serving the deployment's actors."""
    broker = StubBroker()
    actors = declare_actors(broker, deployment.runtime())
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    yield InProcess(broker, actors, worker)
    worker.stop()
    broker.close()
