"""Delivery outcome (DESIGN.md invariant 10): a send cut short is repeated at most once, marked as a repeat.

A crash is injected here as ``Killed``, a ``BaseException`` raised at the crash point: nothing in the
delivery path catches it, so it leaves the database exactly as a SIGKILL at that point would (what was
committed stays, nothing after runs). ``test_faults.py`` kills real worker processes at the same points.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from coord.models import Notification, NotificationStatus, Person
from coord.services.escalation.alerts import MESSAGES
from coord.services.escalation.ladder import Condition
from coord.services.outbox.delivery import DeliveryOptions, deliver_notification
from coord.services.outbox.gateways import MemoryGateway, Outbound, OutcomeUnknown
from coord.services.outbox.notifications import TIMELY_FOR, hold_for_reply, notify, settle_reply
from coord.services.schedule.tick import Dispatch
from coord.services.work import claims
from tests.factories import NOW, gate_shift
from tests.workers.conftest import Deployment
from tests.workers.helpers import settle
from workers.ratelimit import LocalRateLimiter

TEXT = "Task #7 “North gate” was cancelled. "
LEASE = DeliveryOptions().send_lease
REMINDER = MESSAGES[(Condition.CLAIMED, "assignee")]


class Killed(BaseException):
    """The process dies here: nothing catches it, nothing after it runs."""


class CrashingGateway(MemoryGateway):
    """Keeps what it sends; ``crash(message, sent)`` may raise before (False) or after (True) each send."""

    def __init__(self, crash: Callable[[Outbound, bool], None], *, idempotent: bool = False) -> None:
        super().__init__("test")
        self.crash = crash
        self.idempotent = idempotent

    def send(self, message: Outbound) -> str:
        self.crash(message, False)
        reference = super().send(message)
        self.crash(message, True)
        return reference


def once(where: bool, error: BaseException) -> Callable[[Outbound, bool], None]:
    """Raise ``error`` the first time the send reaches ``where`` (False: before it, True: after it)."""
    fired: list[bool] = []

    def crash(_message: Outbound, sent: bool) -> None:
        if sent == where and not fired:
            fired.append(True)
            raise error

    return crash


def queue(deployment: Deployment, *, language: str = "en", **more: object) -> int:
    world = deployment.world
    with deployment.factory() as session, session.begin():
        session.get_one(Person, world.volunteers[0].id).language = language
        notify(
            session,
            dedupe_key="hello",
            community_id=world.community.id,
            person_id=world.volunteers[0].id,
            msgid="Task #{task_id} “{title}” was cancelled. {reason}",
            params={"task_id": 7, "title": "North gate", "reason": ""},
            at=NOW,
            **more,  # type: ignore[arg-type]
        )
        return session.scalars(select(Notification.id)).one()


def run_due(deployment: Deployment, gateway: MemoryGateway) -> list[NotificationStatus | None]:
    """One scheduler tick and every delivery it dispatched, as a worker would run them."""
    dispatched: list[Dispatch] = []
    deployment.scheduler(dispatched.append).tick()
    return [
        deliver_notification(
            deployment.factory,
            notification_id=d.args[0],
            attempt=d.args[1],
            gateways={"test": gateway},
            limiter=LocalRateLimiter(),
            clock=deployment.clock,
            sleep=lambda _s: None,
        )
        for d in dispatched
        if d.actor == "deliver"
    ]


def row(deployment: Deployment, note_id: int) -> Notification:
    with deployment.factory() as session:
        return session.get_one(Notification, note_id)


def texts(gateway: MemoryGateway) -> list[str]:
    return [m.text for m in gateway.sent]


def test_a_worker_killed_after_the_send_before_the_receipt_repeats_it_once_marked(
    deployment: Deployment,
) -> None:
    # Given a message whose send goes out, and the worker dies before it stores the receipt
    note = queue(deployment)
    gateway = CrashingGateway(once(True, Killed()))
    with pytest.raises(Killed):
        run_due(deployment, gateway)
    # Then the attempt is on record as under way: its outcome is unknown
    cut = row(deployment, note)
    assert cut.status == NotificationStatus.PENDING and cut.sending_since == NOW
    # When its lease runs out, the next tick's worker sends it once more, marked as a repeat
    assert run_due(deployment, gateway) == []  # not before the lease
    deployment.clock.advance(LEASE + timedelta(seconds=1))
    assert run_due(deployment, gateway) == [NotificationStatus.SENT]
    assert texts(gateway) == [TEXT, "(sent again) " + TEXT]
    done = row(deployment, note)
    assert done.repeated and done.sending_since is None and done.last_error == ""
    # And nothing is due any more
    deployment.clock.advance(LEASE * 5)
    assert run_due(deployment, gateway) == []
    assert len(gateway.sent) == 2


def test_the_repeat_is_marked_in_the_readers_language(deployment: Deployment) -> None:
    note = queue(deployment, language="zh")
    gateway = CrashingGateway(once(True, Killed()))
    with pytest.raises(Killed):
        run_due(deployment, gateway)
    deployment.clock.advance(LEASE + timedelta(seconds=1))
    assert run_due(deployment, gateway) == [NotificationStatus.SENT]
    first, again = texts(gateway)
    assert again == "（重发）" + first and "任务 #7" in first
    assert row(deployment, note).repeated


def test_a_repeat_that_is_cut_short_too_is_not_sent_a_third_time(deployment: Deployment) -> None:
    # Given a worker killed after the send, and the worker sending the repeat killed the same way
    note = queue(deployment)
    killed_after_each: list[int] = []

    def crash(_message: Outbound, sent: bool) -> None:
        if sent and len(killed_after_each) < 2:
            killed_after_each.append(1)
            raise Killed()

    gateway = CrashingGateway(crash)
    with pytest.raises(Killed):
        run_due(deployment, gateway)
    deployment.clock.advance(LEASE + timedelta(seconds=1))
    with pytest.raises(Killed):
        run_due(deployment, gateway)
    # When the lease runs out once more
    deployment.clock.advance(LEASE + timedelta(seconds=1))
    assert run_due(deployment, gateway) == [NotificationStatus.SENT]
    # Then it was sent twice in all (the second marked) and is settled, saying why not a third time
    assert texts(gateway) == [TEXT, "(sent again) " + TEXT]
    settled = row(deployment, note)
    assert settled.status == NotificationStatus.SENT and settled.sending_since is None
    assert "outcome unknown" in settled.last_error and "repeated once already" in settled.last_error


def test_a_reminder_whose_moment_has_passed_is_not_repeated(deployment: Deployment) -> None:
    # Given a reminder worth repeating only for ten minutes, cut short after its send
    note = queue(deployment, repeat_until=NOW + timedelta(minutes=10))
    gateway = CrashingGateway(once(True, Killed()))
    with pytest.raises(Killed):
        run_due(deployment, gateway)
    # When the lease runs out after its moment
    deployment.clock.advance(timedelta(minutes=11))
    assert run_due(deployment, gateway) == [NotificationStatus.SENT]
    # Then it is not sent again, and the row says why
    assert texts(gateway) == [TEXT]
    settled = row(deployment, note)
    assert not settled.repeated and "its moment has passed" in settled.last_error


def test_a_reminder_still_in_its_moment_is_repeated(deployment: Deployment) -> None:
    queue(deployment, repeat_until=NOW + timedelta(minutes=10))
    gateway = CrashingGateway(once(True, Killed()))
    with pytest.raises(Killed):
        run_due(deployment, gateway)
    deployment.clock.advance(LEASE + timedelta(seconds=1))
    assert run_due(deployment, gateway) == [NotificationStatus.SENT]
    assert texts(gateway) == [TEXT, "(sent again) " + TEXT]


def test_a_worker_killed_before_the_send_repeats_at_most_once(deployment: Deployment) -> None:
    # Killed between claiming the attempt and sending: the outcome is unknown to the next worker, which
    # sends it marked; the person sees one message, marked (the invariant allows one marked repeat)
    queue(deployment)
    gateway = CrashingGateway(once(False, Killed()))
    with pytest.raises(Killed):
        run_due(deployment, gateway)
    deployment.clock.advance(LEASE + timedelta(seconds=1))
    assert run_due(deployment, gateway) == [NotificationStatus.SENT]
    assert texts(gateway) == ["(sent again) " + TEXT]


def test_a_timeout_after_the_request_went_out_makes_the_next_attempt_a_marked_repeat(
    deployment: Deployment,
) -> None:
    # Given the network took the request and the answer never came (a read timeout)
    note = queue(deployment)

    def timed_out(_message: Outbound, sent: bool) -> None:
        if sent and len(gateway.sent) == 1:
            raise OutcomeUnknown("sendMessage: ReadTimeout")

    gateway = CrashingGateway(timed_out)
    assert run_due(deployment, gateway) == [NotificationStatus.FAILED]
    failed = row(deployment, note)
    assert failed.sending_since == NOW and "outcome unknown" in failed.last_error
    # When it is tried again, it goes once more, marked
    deployment.clock.advance(timedelta(minutes=5))
    assert run_due(deployment, gateway) == [NotificationStatus.SENT]
    assert texts(gateway) == [TEXT, "(sent again) " + TEXT]


def test_a_network_with_idempotency_keys_gets_the_same_send_again_unmarked(deployment: Deployment) -> None:
    # Matrix: a repeated transaction id is shown once, so the repeat is the same message with the same key
    queue(deployment)
    gateway = CrashingGateway(once(True, Killed()), idempotent=True)
    with pytest.raises(Killed):
        run_due(deployment, gateway)
    deployment.clock.advance(LEASE + timedelta(seconds=1))
    assert run_due(deployment, gateway) == [NotificationStatus.SENT]
    first, again = gateway.sent
    assert again.text == first.text == TEXT and again.key == first.key


def hold(deployment: Deployment, note_id: int) -> str:
    """What a claim's transaction does when its chat reply carries the notification."""
    with deployment.factory() as session, session.begin():
        key = session.get_one(Notification, note_id).dedupe_key
        assert hold_for_reply(session, dedupe_key=key, now=NOW)
        return key


def test_a_chat_reply_confirmed_sent_settles_its_outbox_copy(deployment: Deployment) -> None:
    note = queue(deployment)
    key = hold(deployment, note)
    gateway = CrashingGateway(lambda _m, _s: None)
    assert run_due(deployment, gateway) == []  # held for the reply
    with deployment.factory() as session, session.begin():
        assert settle_reply(session, dedupe_key=key, now=NOW)
    deployment.clock.advance(timedelta(hours=1))
    assert run_due(deployment, gateway) == [] and gateway.sent == []
    settled = row(deployment, note)
    assert settled.status == NotificationStatus.SENT and settled.last_error == "delivered in the chat reply"


def test_a_chat_reply_never_confirmed_is_delivered_by_a_worker_marked(deployment: Deployment) -> None:
    # Given the bot committed a claim whose reply carries the details, and died before confirming it
    note = queue(deployment)
    hold(deployment, note)
    gateway = CrashingGateway(lambda _m, _s: None)
    # When the reply's short lease runs out, a worker delivers the copy, marked: it may have gone out
    deployment.clock.advance(timedelta(seconds=31))
    assert run_due(deployment, gateway) == [NotificationStatus.SENT]
    assert texts(gateway) == ["(sent again) " + TEXT]
    assert row(deployment, note).repeated


def test_the_ladders_reminders_are_worth_repeating_for_ten_minutes(deployment: Deployment) -> None:
    world = deployment.world
    with deployment.factory() as session, session.begin():
        task = gate_shift(session, world)
        claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    at = NOW + timedelta(minutes=60)  # an hour before the start: reminder time
    with deployment.factory() as session, session.begin():
        settle(session, at)
        ladder = session.scalars(select(Notification).where(Notification.dedupe_key.like("rung:%"))).all()
        assert REMINDER in {n.msgid for n in ladder}
        assert {n.repeat_until for n in ladder} == {at + TIMELY_FOR}
