"""PostgreSQL's connection dropped mid-transaction, in a worker and in the bot: the server ends the backend
(``pg_terminate_backend``) the moment a chosen statement is about to run, as a restarted database, a failed
over proxy or a cut network does. Nothing half-done stays; nothing is lost; at most one marked repeat.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from bots.telegram import build_application
from coord.chat import ChatStore
from coord.clock import FrozenClock
from coord.models import Assignment, Notification, NotificationStatus
from coord.services.outbox.delivery import DeliveryOptions, deliver_notification
from coord.services.outbox.notifications import notify
from coord.services.schedule.tick import collect_due
from peers.telegram_api import FakeTelegram
from tests.bots.telegram.conftest import BotUnderTest, bot_settings, private, tg_user
from tests.bots.telegram.dialogs import USER_IDS
from tests.bots.telegram.stage import committed_stage
from tests.conftest import FreshDatabase
from tests.factories import NOW
from tests.workers.conftest import Deployment
from workers.ratelimit import LocalRateLimiter

TEXT = "Task #7 “North gate” was cancelled. "


@pytest.fixture(autouse=True)
def postgresql_only(database_kind: str) -> None:
    if database_kind != "postgresql":
        pytest.skip("a dropped connection is PostgreSQL's (SQLite has none)")


@contextmanager
def dropped_at(engine: Engine, starts_with: str) -> Iterator[list[str]]:
    """End the connection's backend the first time a statement beginning ``starts_with`` is about to run."""
    fired: list[str] = []

    def terminate(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if fired or not statement.lstrip().upper().startswith(starts_with.upper()):
            return
        fired.append(statement)
        pid = conn.connection.dbapi_connection.info.backend_pid
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    event.listen(engine, "before_cursor_execute", terminate)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", terminate)


def deliver_due(deployment: Deployment, after: timedelta) -> list[NotificationStatus | None]:
    now = NOW + after
    deployment.clock.set(now)
    with deployment.factory() as session, session.begin():
        due = collect_due(session, now=now)

    def run(note: int, attempt: int) -> NotificationStatus | None:
        return deliver_notification(
            deployment.factory,
            notification_id=note,
            attempt=attempt,
            gateways={"test": deployment.gateway},
            limiter=LocalRateLimiter(),
            clock=deployment.clock,
            sleep=lambda _s: None,
        )

    return [run(*d.args) for d in due if d.actor == "deliver"]


def test_a_worker_whose_connection_drops_while_storing_the_receipt(deployment: Deployment) -> None:
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
    # Given the connection drops as the worker stores the receipt of a send that went out
    with dropped_at(deployment.engine, "INSERT INTO delivery") as fired, pytest.raises(OperationalError):
        deliver_due(deployment, timedelta(0))
    assert fired and len(deployment.gateway.sent) == 1
    # When the send's lease is over, the next worker repeats it once, marked
    lease = DeliveryOptions().send_lease
    assert deliver_due(deployment, lease + timedelta(seconds=1)) == [NotificationStatus.SENT]
    assert deliver_due(deployment, lease * 5) == []
    assert [m.text for m in deployment.gateway.sent] == [TEXT, "(sent again) " + TEXT]


def test_a_worker_whose_connection_drops_while_claiming_the_attempt(deployment: Deployment) -> None:
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
    # Given the connection drops before the attempt was committed: nothing of it stays
    with dropped_at(deployment.engine, "UPDATE notification") as fired, pytest.raises(OperationalError):
        deliver_due(deployment, timedelta(0))
    assert fired and deployment.gateway.sent == []
    # Then the next worker sends it unmarked: no send was under way
    lease = timedelta(minutes=2)
    assert deliver_due(deployment, lease + timedelta(seconds=1)) == [NotificationStatus.SENT]
    assert [m.text for m in deployment.gateway.sent] == [TEXT]


def test_the_bots_connection_drops_mid_claim(fresh_db: FreshDatabase) -> None:
    stage = committed_stage(fresh_db)
    delivery = stage.scene.values["delivery"]
    helper = tg_user(USER_IDS["helper"], "Helper")
    server = FakeTelegram().start()
    server.opened.update(USER_IDS.values())
    settings = bot_settings(server)
    application = build_application(settings, store=ChatStore(stage.factory), clock=FrozenClock(NOW))
    bot = BotUnderTest(server, application, settings).start()
    try:
        # Given the database connection drops as the claim writes its private details to the outbox
        with dropped_at(stage.engine, "INSERT INTO notification") as fired:
            first = bot.say(helper, private(helper), f"/claim {delivery}")
        assert fired
        # Then the person is told nothing was changed, and nothing was: no holder, no outbox row
        assert [c.text for c in first] == [
            "Sorry, something went wrong and nothing was changed. Please try again in a moment."
        ]
        with stage.factory() as session:
            assert session.scalar(select(func.count(Assignment.id))) == 0
            assert session.scalar(select(func.count(Notification.id))) == 0
        # When they try again, the claim goes through once, with its details
        again = [c.text for c in bot.say(helper, private(helper), f"/claim {delivery}")]
        assert again[0].startswith(f"You have task #{delivery}") and "Wang Lan" in again[1]
        with stage.factory() as session:
            assert session.scalar(select(func.count(Assignment.id))) == 1
            note = session.scalars(select(Notification).where(Notification.private.is_(True))).one()
            assert note.status == NotificationStatus.SENT
    finally:
        bot.close()
        server.stop()
