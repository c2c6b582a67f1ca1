"""A real restart of Redis with reminders pending: a redis-server of the test's own, on its own port, killed
with SIGKILL and started again empty (nothing kept on disk, as in production here). The database is the
truth (DESIGN.md invariant 1): each reminder reaches its person once.

Needs ``redis-server`` on the PATH: skipped without it on a laptop, failing in CI (as the Redis URL is).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from dramatiq import Worker
from sqlalchemy import ColumnElement, func, select

from coord.models import Notification, NotificationStatus
from coord.services.escalation.alerts import MESSAGES
from coord.services.escalation.ladder import Condition
from coord.services.work import claims
from tests.conftest import IN_CI
from tests.factories import NOW, gate_shift
from tests.workers.conftest import Deployment
from tests.workers.helpers import until
from workers.actors import declare_actors
from workers.broker import redis_broker

REMINDER = MESSAGES[(Condition.CLAIMED, "assignee")]


class OwnRedis:
    """A redis-server on a free port, keeping nothing on disk; ``restart`` kills it and starts it again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        until(self._answers, what="redis-server to start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.ConnectionError:
            return False


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("redis-server is not installed, and CI=true")
        pytest.skip("redis-server is not installed")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.kill()


def count(deployment: Deployment, *where: ColumnElement[bool]) -> int:
    with deployment.factory() as session:
        return session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0


def test_a_restarted_redis_loses_no_reminder(deployment: Deployment, own_redis: OwnRedis) -> None:
    world = deployment.world
    with deployment.factory() as session, session.begin():
        people = [*world.volunteers[:4], *world.supply_volunteers[:2]]
        tasks = [gate_shift(session, world, capacity=2) for _ in range(3)]
        for task, pair in zip(tasks, (people[0:2], people[2:4], people[4:6]), strict=True):
            for person in pair:
                claims.claim(session=session, actor=world.actor(person), task_id=task.id, now=NOW)
    broker = redis_broker(own_redis.url, namespace="restart")
    actors = declare_actors(broker, deployment.runtime())
    ticker = deployment.scheduler(actors.enqueue)
    deployment.clock.set(NOW + timedelta(minutes=60))  # reminder time
    # Given the reminders' steps are enqueued, and Redis dies and comes back empty before any worker ran
    assert ticker.tick().dispatched["escalate"] == 3
    own_redis.restart()
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        # When the leases run out, the tick finds the steps again and the reminders are written
        deployment.clock.advance(timedelta(minutes=3))
        assert ticker.tick().dispatched["escalate"] == 3
        until(lambda: count(deployment, Notification.msgid == REMINDER) == 6, what="the reminders")
        # And Redis dies again, with the worker running and the reminders waiting to be delivered
        own_redis.kill()
        with pytest.raises(redis.ConnectionError):
            ticker.tick()  # the tick's enqueue fails: its commit stands, the leases run out later
        own_redis.start()
        deployment.clock.advance(timedelta(minutes=3))

        def delivered() -> bool:
            ticker.tick()
            return count(deployment, Notification.status == NotificationStatus.SENT) == 6

        until(delivered, what="delivery after the restarts", every=0.5, timeout=60)
        time.sleep(0.5)  # anything still in flight would show now
    finally:
        worker.stop()
        broker.close()
    # Then each person got their reminder once, unmarked: no send was cut short
    sends = Counter(m.chat_id for m in deployment.gateway.sent)
    assert sends == {f"dm{person.id}": 1 for person in people}
    assert all(m.text.startswith("Reminder: task #") for m in deployment.gateway.sent)
