"""Delivery: rendered in the reader's language, sent once per chat, and never dropped silently."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coord.models import Delivery, Notification, NotificationStatus, Person
from coord.services.outbox.delivery import DeliveryOptions, deliver_notification
from coord.services.outbox.gateways import (
    ConsoleGateway,
    MemoryGateway,
    Outbound,
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
)
from coord.services.outbox.notifications import notify
from coord.services.reporting.summary import send_daily_summary
from coord.services.work import claims
from coord.services.work.tasks import create_task
from tests.factories import NOW, SYSTEM
from tests.workers.conftest import Deployment
from workers.ratelimit import LocalRateLimiter

FAST = DeliveryOptions(max_attempts=3)


def queue_message(
    deployment: Deployment, *, key: str = "hello", team: bool = False, person: Person | None = None
) -> int:
    world = deployment.world
    with deployment.factory() as session, session.begin():
        notify(
            session,
            dedupe_key=key,
            community_id=world.community.id,
            person_id=None if team else (person or world.volunteers[0]).id,
            team_id=world.gate_team.id if team else None,
            msgid="Task #{task_id} “{title}” was cancelled. {reason}",
            params={"task_id": 7, "title": "North gate", "reason": ""},
            buttons=[[{"label": "Claim", "payload": "c:7"}]],
            at=NOW,
        )
        note = session.scalars(select(Notification).where(Notification.dedupe_key == key)).one()
        return note.id


def deliver(
    deployment: Deployment, note_id: int, attempt: int, **kwargs: object
) -> NotificationStatus | None:
    options = {
        "gateways": {"test": deployment.gateway},
        "limiter": LocalRateLimiter(),
        "clock": deployment.clock,
        "options": FAST,
        "sleep": lambda _s: None,
        **kwargs,
    }
    return deliver_notification(deployment.factory, notification_id=note_id, attempt=attempt, **options)  # type: ignore[arg-type]


def row(deployment: Deployment, note_id: int) -> Notification:
    with deployment.factory() as session:
        return session.get_one(Notification, note_id)


def test_rendered_in_the_readers_language_with_buttons(deployment: Deployment) -> None:
    with deployment.factory() as session, session.begin():
        reader = session.get_one(Person, deployment.world.volunteers[0].id)
        reader.language = "zh"
    note = queue_message(deployment)
    assert deliver(deployment, note, 0) == NotificationStatus.SENT
    [message] = deployment.gateway.sent
    assert message.chat_id == f"dm{reader.id}" and not message.is_group
    assert "任务 #7" in message.text and message.buttons == ((("认领", "c:7"),),)


def test_a_message_delivered_twice_is_sent_once(deployment: Deployment) -> None:
    note = queue_message(deployment)
    assert deliver(deployment, note, 0) == NotificationStatus.SENT
    assert deliver(deployment, note, 0) is None  # the same dispatch again: its token is stale
    assert len(deployment.gateway.sent) == 1
    assert (row(deployment, note).status, row(deployment, note).attempts) == (NotificationStatus.SENT, 1)


def test_a_429_waits_retry_after_and_keeps_the_message(deployment: Deployment) -> None:
    answers = [RateLimited(7.0)]

    def busy(_message: Outbound) -> None:
        if answers:
            raise answers.pop()

    deployment.gateway = MemoryGateway("test", fail=busy)
    note = queue_message(deployment)
    assert deliver(deployment, note, 0) == NotificationStatus.PENDING
    stored = row(deployment, note)
    assert stored.next_attempt_at == NOW + timedelta(seconds=7) and "rate limited" in stored.last_error
    assert deliver(deployment, note, stored.attempts) == NotificationStatus.SENT
    assert len(deployment.gateway.sent) == 1


def test_failures_back_off_then_the_message_is_dead(deployment: Deployment) -> None:
    def down(_message: Outbound) -> None:
        raise TemporaryFailure("network unreachable")

    deployment.gateway = MemoryGateway("test", fail=down)
    note = queue_message(deployment)
    waits = []
    for attempt in range(FAST.max_attempts):
        deliver(deployment, note, attempt)
        stored = row(deployment, note)
        waits.append(stored.next_attempt_at - NOW)
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert stored.status == NotificationStatus.DEAD and "network unreachable" in stored.last_error


def test_a_permanent_failure_is_dead_at_once(deployment: Deployment) -> None:
    def blocked(_message: Outbound) -> None:
        raise PermanentFailure("bot was blocked by the user")

    deployment.gateway = MemoryGateway("test", fail=blocked)
    note = queue_message(deployment)
    assert deliver(deployment, note, 0) == NotificationStatus.DEAD
    assert "blocked" in row(deployment, note).last_error


def test_a_team_in_two_chats_gets_each_once_across_a_failure(deployment: Deployment) -> None:
    from coord.services.people.people import link_team_chat
    from tests.factories import SYSTEM

    with deployment.factory() as session, session.begin():
        team = session.merge(deployment.world.gate_team)
        link_team_chat(session=session, actor=SYSTEM, team=team, network="test", chat_id="gate-chat-2")
    failures = [TemporaryFailure("timeout")]

    def second_chat_flaky(message: Outbound) -> None:
        if message.chat_id == "gate-chat-2" and failures:
            raise failures.pop()

    deployment.gateway = MemoryGateway("test", fail=second_chat_flaky)
    note = queue_message(deployment, team=True)
    assert deliver(deployment, note, 0) == NotificationStatus.FAILED
    assert deliver(deployment, note, 1) == NotificationStatus.SENT
    assert sorted(m.chat_id for m in deployment.gateway.sent) == ["gate-chat", "gate-chat-2"]
    with deployment.factory() as session:
        receipts = session.scalars(select(Delivery.chat_id).where(Delivery.notification_id == note)).all()
    assert sorted(receipts) == ["gate-chat", "gate-chat-2"]


def test_without_a_chat_the_console_takes_it_or_it_waits(deployment: Deployment) -> None:
    note = queue_message(deployment)
    console = ConsoleGateway()
    # No gateway for the person's network: it fails and is retried later, not dropped
    assert deliver(deployment, note, 0, gateways={"other": console}) == NotificationStatus.FAILED
    assert "no chat" in row(deployment, note).last_error
    # The embedded console takes anyone without a chat of their own
    assert deliver(deployment, note, 1, gateways={"console": console}) == NotificationStatus.SENT


def test_a_busy_limiter_hands_the_message_back_without_sending(deployment: Deployment) -> None:
    from coord.services.outbox.gateways import Limit

    deployment.gateway = MemoryGateway("test", limits=[Limit("one-a-minute", 1, 60.0)])
    first, second = queue_message(deployment, key="a"), queue_message(deployment, key="b")
    limiter = LocalRateLimiter()
    assert deliver(deployment, first, 0, limiter=limiter) == NotificationStatus.SENT
    assert deliver(deployment, second, 0, limiter=limiter) == NotificationStatus.PENDING
    assert len(deployment.gateway.sent) == 1 and row(deployment, second).next_attempt_at > NOW + timedelta(
        seconds=50
    )


def test_the_daily_summary_arrives_as_text_and_chart(deployment: Deployment) -> None:
    world = deployment.world
    with deployment.factory() as session, session.begin():
        send_daily_summary(session, community_id=world.community.id, day=date(2026, 3, 2), now=NOW)
        notes = session.scalars(
            select(Notification.id).where(Notification.dedupe_key.like("summary:%"))
        ).all()
    for note in notes:
        assert deliver(deployment, note, 0) == NotificationStatus.SENT
    by_chat = {m.chat_id: m for m in deployment.gateway.sent}
    coordinator, captain = by_chat[f"dm{world.coordinator.id}"], by_chat[f"dm{world.gate_captain.id}"]
    assert "By team:" in coordinator.text and "Gate duty" in captain.text.splitlines()[0]
    assert coordinator.attachment is not None and coordinator.attachment.content.startswith(b"\x89PNG")


def test_the_console_log_never_shows_private_details(
    deployment: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a delivery to a household claimed by a volunteer who has no chat: the embedded console takes it
    world = deployment.world
    with deployment.factory() as session, session.begin():
        task = create_task(
            session=session,
            actor=SYSTEM,
            community=session.merge(world.community),
            kind="delivery",
            title="Medicine",
            team=session.merge(world.supply_team),
            household=session.merge(world.households[0]),
            private_details="Door code 4711",
            due_at=NOW + timedelta(hours=2),
            now=NOW,
        )
        claims.claim(session=session, actor=world.actor(world.supply_volunteers[0]), task_id=task.id, now=NOW)
        private = session.scalars(
            select(Notification.id).where(Notification.task_id == task.id, Notification.private.is_(True))
        ).one()
    public = queue_message(deployment, key="public")
    # When both are delivered through the console
    with caplog.at_level(logging.INFO, logger="coord.console"):
        for note in (private, public):
            assert (
                deliver(deployment, note, 0, gateways={"console": ConsoleGateway()})
                == NotificationStatus.SENT
            )
    # Then the log shows the ordinary message, and of the private one only that it was withheld
    logged = caplog.text
    assert "North gate" in logged and "withheld from the log" in logged
    assert "Door code 4711" not in logged and "Medicine" not in logged
