"""One bot token, one budget: the bot's replies and the workers' sends take their slots from one limiter,
so a burst of replies while the workers deliver never draws a 429. The fake Bot API server enforces
Telegram's limit of a message a second per chat here (``per_chat_interval``)."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Iterator

import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from bots.telegram import build_application, make_gateway
from coord.chat import ChatStore
from coord.clock import FrozenClock, SystemClock, utcnow
from coord.models import Notification, NotificationStatus
from coord.services.outbox.notifications import notify
from peers.telegram_api import FakeTelegram
from tests.bots.telegram.conftest import BotUnderTest, bot_settings, private, tg_user
from tests.bots.telegram.dialogs import USER_IDS
from tests.bots.telegram.stage import Stage, committed_stage
from tests.conftest import FreshDatabase
from tests.factories import NOW
from workers.actors import declare_actors
from workers.leader import LocalLeaderLock
from workers.ratelimit import LocalRateLimiter
from workers.runtime import Runtime
from workers.scheduler import Scheduler

REPLIES = 4  # messages the volunteer sends at once, each answered
NOTIFICATIONS = 3  # reminders the workers deliver to the same chat meanwhile


@pytest.fixture
def stage(fresh_db: FreshDatabase, database_kind: str) -> Stage:
    if database_kind != "sqlite":
        pytest.skip("the limiter is what is tested; one database is enough")
    return committed_stage(fresh_db)


@pytest.fixture
def strict_telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    server.per_chat_interval = 0.95
    yield server
    server.stop()


def burst(stage: Stage, server: FakeTelegram, *, shared: bool) -> list[float]:
    """The volunteer says ``help`` REPLIES times at once while the workers deliver NOTIFICATIONS to them;
    the arrival times of the messages their chat received."""
    chat = USER_IDS["volunteer"]
    server.opened.add(chat)
    settings = bot_settings(server)
    limiter = LocalRateLimiter()
    clock = FrozenClock(NOW)
    application = build_application(
        settings, store=ChatStore(stage.factory), clock=clock, limiter=limiter if shared else None
    )
    bot = BotUnderTest(server, application, settings).start()
    gateway = make_gateway(settings)
    broker = StubBroker()
    # The workers on real time: a message handed back for want of a slot is due again moments later
    actors = declare_actors(broker, Runtime(stage.factory, SystemClock(), {"telegram": gateway}, limiter))
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    scheduler = Scheduler(
        stage.factory,
        clock=SystemClock(),
        enqueue=actors.enqueue,
        leader=LocalLeaderLock(secrets.token_hex(4)),
    )
    volunteer = stage.scene.cast["volunteer"]
    with stage.factory() as session, session.begin():
        for number in range(NOTIFICATIONS):
            notify(
                session,
                at=utcnow(),
                dedupe_key=f"burst-{number}",
                community_id=volunteer.community_id,
                person_id=volunteer.id,
                msgid="Hello {name}",
                params={"name": str(number)},
            )
    mark = server.mark()
    user = tg_user(chat, volunteer.name)
    try:
        delivering = threading.Thread(target=deliver_all, args=(stage, scheduler, broker))
        delivering.start()
        updates = [server.say(user, private(user), "help") for _ in range(REPLIES)]
        for update in updates:
            bot.wait_done(update, timeout=60)
        delivering.join(60)
        return [
            call.at for call in server.calls[mark:] if call.chat_id == chat and call.method == "sendMessage"
        ]
    finally:
        bot.close()
        worker.stop()
        broker.close()
        gateway.close()


def deliver_all(stage: Stage, scheduler: Scheduler, broker: StubBroker) -> None:
    """Tick and deliver until every notification is sent (the scheduler finds what was handed back)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        scheduler.tick()
        broker.join("delivery")
        with stage.factory() as session:
            waiting = session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.dedupe_key.like("burst-%"), Notification.status != NotificationStatus.SENT
                )
            )
        if not waiting:
            return
        time.sleep(0.2)


def test_replies_and_notifications_share_one_limiter_and_draw_no_429(
    stage: Stage, strict_telegram: FakeTelegram
) -> None:
    mark = strict_telegram.mark()
    arrivals = burst(stage, strict_telegram, shared=True)
    refused = [c for c in strict_telegram.calls[mark:] if c.status == 429]
    assert refused == []
    assert len(arrivals) >= REPLIES + NOTIFICATIONS
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert min(gaps) >= 0.95


def test_without_the_shared_limiter_the_same_burst_draws_429s(
    stage: Stage, strict_telegram: FakeTelegram
) -> None:
    # The check above can fail: the bot pacing on its own (no shared limiter) collides with the workers
    mark = strict_telegram.mark()
    burst(stage, strict_telegram, shared=False)
    assert [c for c in strict_telegram.calls[mark:] if c.status == 429]
