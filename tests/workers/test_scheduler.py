"""The scheduler tick and the actors together, with real commits, a StubBroker and in-process workers."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Callable
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from coord.db import make_engine, make_session_factory
from coord.models import (
    Assignment,
    AssignmentState,
    Community,
    DailySummary,
    Event,
    Notification,
    NotificationStatus,
    Task,
)
from coord.services.escalation.alerts import MESSAGES
from coord.services.escalation.ladder import Condition
from coord.services.schedule.tick import Dispatch
from coord.services.work import claims
from tests.conftest import FreshDatabase
from tests.factories import NOW, gate_shift
from tests.workers.conftest import Deployment, InProcess
from workers.leader import LocalLeaderLock
from workers.scheduler import Scheduler

REMINDER = MESSAGES[(Condition.CLAIMED, "assignee")]
UNFILLED_TEAM = MESSAGES[(Condition.UNCLAIMED, "team")]


def run_until_quiet(deployment: Deployment, pipeline: InProcess, enqueue: Callable[[Dispatch], None]) -> None:
    """Tick and drain until a tick finds nothing (a step's follow-ups are found by the next tick)."""
    ticker = deployment.scheduler(enqueue)
    for _ in range(12):
        report = ticker.tick()
        pipeline.drain()
        if not report.dispatched:
            return
    raise AssertionError("the scheduler did not go quiet")


def new_shift(deployment: Deployment, *, claimed_by: int = 0) -> int:
    with deployment.factory() as session, session.begin():
        world = deployment.world
        task = gate_shift(session, world)
        for person in world.volunteers[:claimed_by]:
            claims.claim(session=session, actor=world.actor(person), task_id=task.id, now=NOW)
        return task.id


def texts(deployment: Deployment, chat: str) -> list[str]:
    return [m.text for m in deployment.gateway.sent if m.chat_id == chat]


def test_a_due_step_reaches_the_team_chat_once(deployment: Deployment, in_process: InProcess) -> None:
    # Given an unclaimed shift two hours ahead
    task_id = new_shift(deployment)
    # When the scheduler runs at the moment the team is to be asked
    run_until_quiet(deployment, in_process, in_process.actors.enqueue)
    # Then the team chat got the card, with a Claim button, once
    sent = [m for m in deployment.gateway.sent if m.chat_id == "gate-chat"]
    assert len(sent) == 1 and f"#{task_id}" in sent[0].text and "still needs 2" in sent[0].text
    assert sent[0].buttons == ((("Claim", f"c:{task_id}"),),)
    with deployment.factory() as session:
        note = session.scalars(select(Notification).where(Notification.team_id.is_not(None))).one()
        assert (note.status, note.attempts) == (NotificationStatus.SENT, 1)


def test_every_message_delivered_twice_has_one_effect(deployment: Deployment, in_process: InProcess) -> None:
    # Given a shift with one holder, and every message the scheduler sends delivered twice
    task_id = new_shift(deployment, claimed_by=1)

    def twice(dispatch: Dispatch) -> None:
        in_process.actors.enqueue(dispatch)
        in_process.actors.enqueue(dispatch)

    # When time passes through reminders, auto-assignment, the start and the no-show chain
    start = NOW + timedelta(hours=2)
    for moment in (
        NOW,
        start - timedelta(minutes=90),
        start - timedelta(minutes=60),
        start + timedelta(minutes=20),
    ):
        deployment.clock.set(moment)
        run_until_quiet(deployment, in_process, twice)
    # Then each notification exists once and went out once, and each rung ran once
    with deployment.factory() as session:
        keys = session.scalars(select(Notification.dedupe_key)).all()
        rungs = Counter(
            d["rung"]
            for d in session.scalars(
                select(Event.data).where(Event.task_id == task_id, Event.action == "escalated")
            )
        )
    assert len(keys) == len(set(keys))
    sends = Counter(m.key for m in deployment.gateway.sent)
    assert sends and set(sends.values()) == {1}
    assert rungs and set(rungs.values()) == {1}
    assert any(REMINDER.split("{")[0] in m.text for m in deployment.gateway.sent)


def test_a_tick_cut_between_commit_and_enqueue_still_gets_the_work_done(
    deployment: Deployment, in_process: InProcess
) -> None:
    new_shift(deployment)

    # Given a tick that commits its leases and then dies before it can enqueue anything
    def crash(_dispatch: Dispatch) -> None:
        raise ConnectionError("the broker went away")

    with pytest.raises(ConnectionError):
        deployment.scheduler(crash).tick()
    in_process.drain()
    assert deployment.gateway.sent == []
    # When the lease has run out, a later tick finds the same rows again
    deployment.clock.advance(timedelta(minutes=3))
    run_until_quiet(deployment, in_process, in_process.actors.enqueue)
    # Then the work is done, once
    assert len(texts(deployment, "gate-chat")) == 1


def test_the_daily_summary_goes_out_at_the_community_time(
    deployment: Deployment, in_process: InProcess
) -> None:
    with deployment.factory() as session, session.begin():
        community = session.get(Community, deployment.world.community.id)
        assert community is not None
        community.summary_time = time(21, 30)
    world = deployment.world
    # 21:29 in Asia/Shanghai: nothing yet; 21:30: the coordinator and both captains get it, with a chart
    deployment.clock.set(NOW.replace(hour=13, minute=29))
    run_until_quiet(deployment, in_process, in_process.actors.enqueue)
    assert not [m for m in deployment.gateway.sent if m.attachment]
    deployment.clock.set(NOW.replace(hour=13, minute=30))
    run_until_quiet(deployment, in_process, in_process.actors.enqueue)
    deployment.clock.advance(timedelta(minutes=10))
    run_until_quiet(deployment, in_process, in_process.actors.enqueue)
    summaries = [m for m in deployment.gateway.sent if m.attachment]
    readers = {m.chat_id for m in summaries}
    assert readers == {f"dm{p.id}" for p in (world.coordinator, world.gate_captain, world.supply_captain)}
    assert len(summaries) == 3 and all(
        m.attachment and m.attachment.content.startswith(b"\x89PNG") for m in summaries
    )
    assert all(m.text.startswith("Daily summary — Youkeyuan Community") for m in summaries)
    with deployment.factory() as session:
        assert session.scalar(select(func.count()).select_from(DailySummary)) == 1


@pytest.mark.parametrize("with_leader_lock", [True, False], ids=["leader-lock", "skip-locked-only"])
def test_two_schedulers_fire_each_duty_once(
    fresh_db: FreshDatabase, database_kind: str, with_leader_lock: bool
) -> None:
    if database_kind == "sqlite" and not with_leader_lock:
        pytest.skip("embedded SQLite runs one scheduler in one process: its leader lock is in-process")
    from tests.workers.conftest import deploy

    deployment = deploy(fresh_db)
    task_ids = [new_shift(deployment) for _ in range(30)]
    sent: list[Dispatch] = []
    guard = threading.Lock()

    def record(dispatch: Dispatch) -> None:
        with guard:
            sent.append(dispatch)

    shared = secrets.token_hex(4)
    ticks: Counter[str] = Counter()

    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            tick_as(name)
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    def tick_as(name: str) -> None:
        # Each instance has its own engine (its own connections), as a second process would.
        factory = deployment.factory
        if name == "b":
            url = deployment.engine.url.render_as_string(hide_password=False)
            engine = make_engine(url)
            factory = make_session_factory(engine)
        lock = LocalLeaderLock(shared if with_leader_lock else name)
        ticker = Scheduler(factory, clock=deployment.clock, enqueue=record, leader=lock)
        for _ in range(5):
            if ticker.tick().leading:
                ticks[name] += 1
        if not with_leader_lock:
            lock.release()
        if name == "b":
            engine.dispose()

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    steps = Counter(d.args[0] for d in sent if d.actor == "escalate")
    assert sorted(steps) == sorted(task_ids) and set(steps.values()) == {1}
    if with_leader_lock:
        assert len(ticks) == 1  # the second instance idled
    with deployment.factory() as session:
        assert (
            session.scalar(select(func.count()).select_from(Task).where(Task.escalation_due_at.is_(None)))
            == 0
        )


def test_recurring_work_is_materialised_by_the_tick(deployment: Deployment, in_process: InProcess) -> None:
    from coord.services.recurring.templates import create_template
    from tests.factories import SYSTEM

    with deployment.factory() as session, session.begin():
        community = session.get_one(Community, deployment.world.community.id)
        create_template(
            session=session,
            actor=SYSTEM,
            community=community,
            name="North gate",
            kind="gate_shift",
            title="North gate {time}",
            rrule="FREQ=DAILY;BYHOUR=8,14,20;BYMINUTE=0",
            starts_on=NOW.date(),
            duration_minutes=360,
            capacity=2,
        )
    run_until_quiet(deployment, in_process, in_process.actors.enqueue)
    with deployment.factory() as session:
        made = session.scalar(select(func.count()).select_from(Task).where(Task.template_id.is_not(None)))
    # [NOW, NOW + 7 days) at three a day from Monday 14:00 local: Monday 14:00 and 20:00, six full days,
    # and next Monday 08:00
    assert made == 2 + 6 * 3 + 1


def test_after_a_three_hour_jump_no_reminder_arrives_late(
    deployment: Deployment, in_process: InProcess
) -> None:
    task_id = new_shift(deployment, claimed_by=1)
    run_until_quiet(deployment, in_process, in_process.actors.enqueue)
    team_asks = len(texts(deployment, "gate-chat"))
    deployment.clock.advance(timedelta(hours=3))  # an hour after the start
    run_until_quiet(deployment, in_process, in_process.actors.enqueue)
    run_until_quiet(deployment, in_process, in_process.actors.enqueue)
    volunteer = deployment.world.volunteers[0]
    to_volunteer = texts(deployment, f"dm{volunteer.id}")
    assert not any(t.startswith("Reminder") for t in to_volunteer)
    with deployment.factory() as session:
        state = session.scalar(select(Assignment.state).where(Assignment.person_id == volunteer.id))
    assert state == AssignmentState.NO_SHOW
    to_coordinator = texts(deployment, f"dm{deployment.world.coordinator.id}")
    # each step exactly once; worker threads deliver them in either order
    assert sorted(t.split(":")[0] for t in to_coordinator) == ["Not at the post", "Unfilled"]
    assert len(texts(deployment, "gate-chat")) == team_asks == 1
    assert all(f"#{task_id}" in t for t in to_coordinator)
