"""Worker processes on Redis killed with SIGKILL mid-delivery (``tests/workers/worker_process.py``): the
message whose send went out before the kill is repeated once, marked; nothing is lost or sent a third time.

The scheduler is this test process (a frozen clock, ticks by hand), as in ``tests/workers/test_faults.py``.
"""

from __future__ import annotations

import signal
from datetime import timedelta

import redis
from sqlalchemy import select

from coord.models import Notification, NotificationStatus
from coord.services.outbox.notifications import notify
from tests.factories import NOW
from tests.workers.conftest import Deployment
from tests.workers.helpers import until
from tests.workers.test_faults import drain, maintaining_broker, worker_process
from workers.actors import declare_actors

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
                return client.llen(f"{prefix}:texts") >= 2

            until(twice, what="the repeat", every=0.3)
            drain(broker)  # the dead worker's unacked message runs again too: its token is stale
            deployment.clock.advance(timedelta(minutes=3))
            ticker.tick()
            drain(broker)
        # Then the person got it twice, the second marked as a repeat, and never a third time
        texts = [t.decode() for t in client.lrange(f"{prefix}:texts", 0, -1)]
        assert texts == [TEXT, "(sent again) " + TEXT]
        with deployment.factory() as session:
            note = session.scalars(select(Notification)).one()
            assert note.status == NotificationStatus.SENT and note.repeated and note.sending_since is None
    finally:
        client.close()
        broker.close()
