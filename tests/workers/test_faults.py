"""Fault tests on a real Redis: a flushed broker, a worker killed mid-actor, two schedulers on one lock.

The test process plays the scheduler (a frozen clock, ticks by hand); workers are in-process threads, or
real worker processes (``tests/workers/worker_process.py``) where one must be killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from dramatiq import Worker
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from sqlalchemy import func, select

from coord.models import Event, Notification, NotificationStatus
from coord.services.escalation.alerts import MESSAGES
from coord.services.escalation.ladder import Condition
from coord.services.outbox.notifications import notify
from coord.services.schedule.tick import Dispatch
from coord.services.work import claims
from tests.factories import NOW, gate_shift
from tests.workers.conftest import Deployment, delete_prefix
from tests.workers.helpers import WAIT, until
from workers.actors import declare_actors
from workers.broker import redis_broker
from workers.leader import RedisLeaderLock
from workers.scheduler import Scheduler

ROOT = Path(__file__).resolve().parents[2]
REMINDER = MESSAGES[(Condition.CLAIMED, "assignee")]
QUEUES = ("duties", "delivery")


def test_a_flushed_redis_loses_no_reminder(deployment: Deployment, redis_url: str, prefix: str) -> None:
    world = deployment.world
    with deployment.factory() as session, session.begin():
        # Three shifts at the same hour, two people each (one person holds one post at a time)
        people = [*world.volunteers[:4], *world.supply_volunteers[:2]]
        tasks = [gate_shift(session, world, capacity=2) for _ in range(3)]
        for task, pair in zip(tasks, (people[0:2], people[2:4], people[4:6]), strict=True):
            for person in pair:
                claims.claim(session=session, actor=world.actor(person), task_id=task.id, now=NOW)
    broker = redis_broker(redis_url, namespace=prefix)
    actors = declare_actors(broker, deployment.runtime())
    ticker = deployment.scheduler(actors.enqueue)
    deployment.clock.set(NOW + timedelta(minutes=60))  # an hour before the start: reminder time
    # The reminders' steps are enqueued on Redis ... and Redis loses them before any worker runs
    assert ticker.tick().dispatched["escalate"] == 3
    assert delete_prefix(redis_url, prefix) > 0
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        # Once the leases run out the tick finds the steps again; the reminders they write are enqueued
        # for delivery, lost once more, and found again
        deployment.clock.advance(timedelta(minutes=3))
        assert ticker.tick().dispatched["escalate"] == 3
        until(
            lambda: count(deployment, Notification.msgid == REMINDER) == 6, what="the reminders to be written"
        )
        worker.stop()
        assert ticker.tick().dispatched["deliver"] == 6
        delete_prefix(redis_url, prefix)
        worker = Worker(broker, worker_threads=2, worker_timeout=100)
        worker.start()
        deployment.clock.advance(timedelta(minutes=3))
        assert ticker.tick().dispatched["deliver"] == 6
        until(lambda: count(deployment, Notification.status == NotificationStatus.SENT) == 6, what="delivery")
    finally:
        worker.stop()
        broker.close()
    sends = Counter(m.chat_id for m in deployment.gateway.sent)
    assert sends == {f"dm{person.id}": 1 for person in people}
    assert all(m.text.startswith("Reminder: task #") for m in deployment.gateway.sent)


def count(deployment: Deployment, *where: object) -> int:
    with deployment.factory() as session:
        return int(session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0)


def maintaining_broker(redis_url: str, namespace: str) -> RedisBroker:
    """A broker whose every command also does Dramatiq's maintenance (by default one in a thousand does):
    a worker silent for 2 s (the worker processes' heartbeat timeout) is dead, and its unacked messages
    go back on their queue, so waiting on this broker's queues waits for them too."""
    return RedisBroker(
        url=redis_url, namespace=namespace, heartbeat_timeout=2_000, maintenance_chance=MAINTENANCE_SCALE
    )


def drain(broker: RedisBroker) -> None:
    """Wait until both queues are empty at once, unacked messages included: a message leaves Redis when
    it is acked, after its actor has run (``broker.join`` counts those too)."""
    deadline = time.monotonic() + WAIT
    while any(broker.do_qsize(queue) for queue in QUEUES):
        for queue in QUEUES:
            left_ms = int((deadline - time.monotonic()) * 1000)
            assert left_ms > 0, "the queues did not drain"
            broker.join(queue, timeout=left_ms)


@contextmanager
def worker_process(
    deployment: Deployment, redis_url: str, namespace: str, pause: str | None
) -> Iterator[subprocess.Popen[bytes]]:
    url = deployment.engine.url.render_as_string(hide_password=False)
    command = [
        sys.executable,
        "-m",
        "tests.workers.worker_process",
        url,
        redis_url,
        namespace,
        NOW.isoformat(),
    ]
    if pause:
        command += ["--pause-in", pause]
    client = redis.Redis.from_url(redis_url)
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        until(
            lambda: client.get(f"{namespace}:ready:{pause or 'plain'}") or process.poll() is not None,
            what="a worker",
        )
        assert process.poll() is None, "the worker process failed to start"
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        client.close()


@pytest.mark.parametrize("pause", ["send", "step"], ids=["killed-while-sending", "killed-before-commit"])
def test_a_worker_killed_mid_actor_finishes_after_restart(
    deployment: Deployment, redis_url: str, prefix: str, pause: str
) -> None:
    world = deployment.world
    with deployment.factory() as session, session.begin():
        if pause == "send":
            notify(
                session,
                dedupe_key="hello",
                community_id=world.community.id,
                person_id=world.volunteers[0].id,
                msgid="Hello",
                at=NOW,
            )
        else:
            gate_shift(session, world)  # its first step asks the team chat at NOW
    broker = maintaining_broker(redis_url, prefix)
    actors = declare_actors(broker, deployment.runtime())
    ticker = deployment.scheduler(actors.enqueue)
    client = redis.Redis.from_url(redis_url)
    with worker_process(deployment, redis_url, prefix, pause) as doomed:
        assert ticker.tick().dispatched["deliver" if pause == "send" else "escalate"] == 1
        until(lambda: client.get(f"{prefix}:inside"), what="the worker to reach the middle of the actor")
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    with worker_process(deployment, redis_url, prefix, None):
        deployment.clock.advance(timedelta(minutes=3))  # past the leases the dead worker held

        def sent() -> bool:
            ticker.tick()
            return bool(client.llen(f"{prefix}:sent"))

        until(sent, what="the work to be done after the restart", every=0.3)
        # The dead worker's message is still unacked: once its heartbeat is 2 s old it goes back on the
        # queue and runs again (a duplicate delivery), and so would anything a tick finds due once more.
        # Wait until the queues hold nothing, not even unacked messages: every duplicate has been handled.
        drain(broker)
        ticker.tick()
        drain(broker)
    keys = [k.decode() for k in client.lrange(f"{prefix}:sent", 0, -1)]
    client.close()
    broker.close()
    assert len(keys) == 1, keys
    with deployment.factory() as session:
        note = session.scalars(select(Notification)).one()
        assert note.status == NotificationStatus.SENT
        steps = session.scalar(select(func.count()).select_from(Event).where(Event.action == "escalated"))
        assert steps == (0 if pause == "send" else 1)


def test_two_schedulers_on_one_redis_lock(deployment: Deployment, redis_url: str, prefix: str) -> None:
    world = deployment.world
    with deployment.factory() as session, session.begin():
        task_ids = [gate_shift(session, world).id for _ in range(10)]
    sent: list[Dispatch] = []
    leading: Counter[int] = Counter()
    guard = threading.Lock()

    def record(dispatch: Dispatch) -> None:
        with guard:
            sent.append(dispatch)

    def run(number: int) -> None:
        lock = RedisLeaderLock(redis.Redis.from_url(redis_url), key=f"{prefix}:leader", ttl=5)
        ticker = Scheduler(deployment.factory, clock=deployment.clock, enqueue=record, leader=lock)
        for _ in range(5):
            if ticker.tick().leading:
                with guard:
                    leading[number] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(leading) == 1
    steps = Counter(d.args[0] for d in sent if d.actor == "escalate")
    assert sorted(steps) == task_ids and set(steps.values()) == {1}
