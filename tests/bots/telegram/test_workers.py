"""Reminders and escalations sent by the workers reach Telegram: the scheduler tick, the Dramatiq actors
(StubBroker, in-process worker) and the delivery actor with the Telegram gateway, over HTTP to the fake
Bot API server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select

from bots.telegram import TelegramGateway, make_gateway
from coord.clock import FrozenClock
from coord.models import Notification, NotificationStatus, Person
from coord.services.people.access import Actor
from coord.services.reporting.summary import send_daily_summary
from coord.services.work import claims
from peers.telegram_api import FakeTelegram
from tests.bots.telegram.conftest import GROUP, bot_settings
from tests.bots.telegram.dialogs import USER_IDS
from tests.bots.telegram.stage import Stage, committed_stage
from tests.conftest import FreshDatabase
from tests.factories import NOW
from workers.actors import declare_actors
from workers.leader import LocalLeaderLock
from workers.ratelimit import LocalRateLimiter
from workers.runtime import Runtime
from workers.scheduler import Scheduler


@dataclass
class Pipeline:
    stage: Stage
    clock: FrozenClock
    scheduler: Scheduler
    broker: StubBroker
    gateway: TelegramGateway

    def run_at(self, moment: object) -> None:
        """Tick at ``moment`` until nothing more is due, delivering everything each tick dispatched."""
        self.clock.set(moment)  # type: ignore[arg-type]
        for _ in range(12):
            report = self.scheduler.tick()
            for queue in ("duties", "delivery"):
                self.broker.join(queue)
            if not report.dispatched:
                return
        raise AssertionError("the scheduler did not go quiet")


@pytest.fixture
def pipeline(telegram: FakeTelegram, fresh_db: FreshDatabase) -> Iterator[Pipeline]:
    stage = committed_stage(fresh_db)
    telegram.opened.update(USER_IDS.values())
    clock = FrozenClock(NOW)
    gateway = make_gateway(bot_settings(telegram))
    runtime = Runtime(stage.factory, clock, {"telegram": gateway}, LocalRateLimiter())
    broker = StubBroker()
    actors = declare_actors(broker, runtime)
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    leader = LocalLeaderLock(secrets.token_hex(4))
    scheduler = Scheduler(stage.factory, clock=clock, enqueue=actors.enqueue, leader=leader)
    yield Pipeline(stage, clock, scheduler, broker, gateway)
    worker.stop()
    broker.close()
    gateway.close()


def test_reminders_and_escalations_arrive_and_a_429_loses_nothing(
    pipeline: Pipeline, telegram: FakeTelegram
) -> None:
    stage = pipeline.stage
    gate = int(stage.scene.values["gate"])
    with stage.factory() as session, session.begin():  # one of two places taken
        volunteer = session.get_one(Person, stage.scene.cast["volunteer"].id)
        claims.claim(session=session, actor=Actor(volunteer, "telegram"), task_id=gate, now=NOW)
    # Two hours ahead the team chat is asked, with a Claim button
    pipeline.run_at(NOW)
    to_group = [c for c in telegram.sent() if c.chat_id == GROUP["id"]]
    assert (
        len(to_group) == 1 and "still needs 1" in to_group[0].text and to_group[0].payloads == [f"c:{gate}"]
    )
    # An hour before the start the holder is reminded privately; Telegram first answers 429
    telegram.rate_limit_next("sendMessage", retry_after=1)
    start = NOW + timedelta(hours=2)
    pipeline.run_at(start - timedelta(minutes=60))
    pipeline.run_at(start - timedelta(minutes=60) + timedelta(seconds=2))  # after retry_after
    volunteer_id = USER_IDS["volunteer"]
    limited = [c for c in telegram.calls if c.method == "sendMessage" and c.status == 429]
    assert len(limited) == 1
    again = [c for c in telegram.sent() if (c.chat_id, c.text) == (limited[0].chat_id, limited[0].text)]
    assert len(again) == 1  # the message refused with 429 went out later, once
    reminders = [c for c in telegram.sent() if c.chat_id == volunteer_id and "Reminder" in c.text]
    assert len(reminders) == 1 and f"#{gate}" in reminders[0].text
    # Nobody checks in: the volunteer is marked, then the captain is told, with the task's card a tap away
    pipeline.run_at(start + timedelta(minutes=10))
    pipeline.run_at(start + timedelta(minutes=20))
    to_captain = [c for c in telegram.sent() if c.chat_id == USER_IDS["captain"]]
    assert len(to_captain) == 1 and "Not at the post" in to_captain[0].text
    assert to_captain[0].payloads == [f"t:{gate}"]
    with stage.factory() as session:
        statuses = set(session.scalars(select(Notification.status)))
    assert statuses == {NotificationStatus.SENT}


def test_the_daily_summary_arrives_as_a_chart_with_its_text(
    pipeline: Pipeline, telegram: FakeTelegram
) -> None:
    stage = pipeline.stage
    with stage.factory() as session, session.begin():
        community_id = stage.scene.world.community.id
        send_daily_summary(session, community_id=community_id, day=date(2026, 3, 2), now=NOW)
    pipeline.run_at(NOW)
    photos = [c for c in telegram.sent() if c.method == "sendPhoto"]
    readers = {c.chat_id for c in photos}
    assert {USER_IDS["coordinator"], USER_IDS["captain"]} <= readers
    for photo in photos:
        filename, size = photo.files["photo"]
        assert filename == "summary.png" and size > 1000
        follow_up = [
            c.text for c in telegram.sent() if c.chat_id == photo.chat_id and c.method == "sendMessage"
        ]
        assert photo.text or follow_up  # the figures as its caption, or right after it when too long
