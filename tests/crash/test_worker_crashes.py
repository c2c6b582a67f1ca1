"""Worker processes on Redis killed with SIGKILL mid-delivery (``tests/workers/worker_process.py``): the
message whose send went out before the kill is repeated once, marked; nothing is lost or sent a third time.

The scheduler is this test process (a frozen clock, ticks by hand), as in ``tests/workers/test_faults.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import redis
from sqlalchemy import func, select

from coord.models import DailySummary, Duty, DutyKind, DutyStatus, Notification, NotificationStatus
from coord.services.outbox.notifications import notify
from tests.factories import NOW
from tests.workers.conftest import Deployment
from tests.workers.helpers import until
from tests.workers.test_faults import drain, maintaining_broker, worker_process
from workers.actors import declare_actors

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Task #7 “North gate” was cancelled. "


def test_a_worker_killed_after_the_send_before_the_receipt(
    deployment: Deployment, redis_url: str, prefix: str
) -> None:
    world = deployment.world
    with deployment.factory() as session, session.begin():
        notify(
            session,
            dedupe_key="hello",
            community_id=world.community.id,
            person_id=world.volunteers[0].id,
            msgid="Task #{task_id} “{title}” was cancelled. {reason}",
            params={"task_id": 7, "title": "North gate", "reason": ""},
            at=NOW,
        )
    broker = maintaining_broker(redis_url, prefix)
    actors = declare_actors(broker, deployment.runtime())
    ticker = deployment.scheduler(actors.enqueue)
    client = redis.Redis.from_url(redis_url)
    try:
        # Given a worker that sent the message and was killed before it stored the receipt
        with worker_process(deployment, redis_url, prefix, "receipt") as doomed:
            assert ticker.tick().dispatched["deliver"] == 1
            until(lambda: client.get(f"{prefix}:inside"), what="the worker to have sent it")
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=10)
        with deployment.factory() as session:
            cut = session.scalars(select(Notification)).one()
            assert cut.status == NotificationStatus.PENDING and cut.sending_since is not None
        # When a worker runs again and the send's lease is over
        with worker_process(deployment, redis_url, prefix, None):
            deployment.clock.advance(timedelta(minutes=3))

            def twice() -> bool:
                ticker.tick()
                return cast(int, client.llen(f"{prefix}:texts")) >= 2

            until(twice, what="the repeat", every=0.3)
            drain(broker)  # the dead worker's unacked message runs again too: its token is stale
            deployment.clock.advance(timedelta(minutes=3))
            ticker.tick()
            drain(broker)
        # Then the person got it twice, the second marked as a repeat, and never a third time
        texts = [t.decode() for t in cast(list[bytes], client.lrange(f"{prefix}:texts", 0, -1))]
        assert texts == [TEXT, "(sent again) " + TEXT]
        with deployment.factory() as session:
            note = session.scalars(select(Notification)).one()
            assert note.status == NotificationStatus.SENT and note.repeated and note.sending_since is None
    finally:
        client.close()
        broker.close()


@contextmanager
def worker_at(
    deployment: Deployment, redis_url: str, namespace: str, now: datetime, pause: str | None
) -> Iterator[subprocess.Popen[bytes]]:
    """``tests.workers.worker_process`` with its clock at ``now`` (stopped with SIGTERM unless killed)."""
    url = deployment.engine.url.render_as_string(hide_password=False)
    command = [
        sys.executable,
        "-m",
        "tests.workers.worker_process",
        url,
        redis_url,
        namespace,
    ]
    client = redis.Redis.from_url(redis_url)
    process = subprocess.Popen(
        [*command, now.isoformat(), *(["--pause-in", pause] if pause else [])],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
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
            process.wait(timeout=20)
        client.delete(f"{namespace}:ready:{pause or 'plain'}")
        client.close()


def test_a_worker_killed_between_a_duty_and_its_commit_does_it_once(
    deployment: Deployment, redis_url: str, prefix: str
) -> None:
    summary_at = NOW + timedelta(hours=6)  # 20:00 in the community's timezone: the daily summary
    deployment.clock.set(summary_at)
    broker = maintaining_broker(redis_url, prefix)
    actors = declare_actors(broker, deployment.runtime())
    ticker = deployment.scheduler(actors.enqueue)
    client = redis.Redis.from_url(redis_url)
    try:
        # Given a worker that wrote the day's summary and its messages, and was killed before its commit
        with worker_at(deployment, redis_url, prefix, summary_at, "summary") as doomed:
            assert ticker.tick().dispatched["daily_summary"] == 1
            until(lambda: client.get(f"{prefix}:inside"), what="the worker to be inside the duty")
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=10)
        with deployment.factory() as session:
            duty = session.scalars(select(Duty).where(Duty.kind == DutyKind.DAILY_SUMMARY)).one()
            assert duty.status == DutyStatus.PENDING
            assert session.scalar(select(func.count(DailySummary.id))) == 0  # rolled back with the kill
        # When a worker runs again after the duty's lease
        deployment.clock.advance(timedelta(minutes=3))  # the worker's clock agrees with the scheduler's
        with worker_at(deployment, redis_url, prefix, deployment.clock.now(), None):

            def summarised() -> bool:
                ticker.tick()
                with deployment.factory() as session:
                    waiting = select(func.count(Notification.id)).where(
                        Notification.status != NotificationStatus.SENT
                    )
                    done = session.scalar(select(Duty.status).where(Duty.id == duty.id))
                    return done == DutyStatus.DONE and session.scalar(waiting) == 0

            until(summarised, what="the summary to be made and sent", every=0.3)
            drain(broker)
            ticker.tick()
            drain(broker)
        # Then it was made once and each reader got it once
        keys = [k.decode() for k in cast(list[bytes], client.lrange(f"{prefix}:sent", 0, -1))]
        with deployment.factory() as session:
            assert session.scalar(select(func.count(DailySummary.id))) == 1
            notes = session.scalar(select(func.count(Notification.id)))
        assert keys and len(keys) == len(set(keys)) == notes
    finally:
        client.close()
        broker.close()
