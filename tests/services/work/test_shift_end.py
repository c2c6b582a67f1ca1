"""A shift whose end passes is closed (issue 15 §4), on SQLite and PostgreSQL: the scheduler tick writes one
``shift_end`` duty per ended shift, and running it records each holder still at work finished by the end
(no figures, an event, hours to the end), a holder who never checked in a no-show, and the task done; the
ladder stops; a second tick, or the duty delivered twice, changes and sends nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from coord.errors import InvalidTransition
from coord.models import (
    Assignment,
    AssignmentState,
    Duty,
    DutyKind,
    DutyStatus,
    Event,
    Notification,
    Person,
    Task,
    TaskStatus,
)
from coord.services.escalation.climb import climb
from coord.services.reporting.summary import compute_summary
from coord.services.schedule.duties import run_duty
from coord.services.schedule.tick import collect_due
from coord.services.work import boards, claims
from coord.services.work.shift_end import SHIFT_END_GRACE
from tests.factories import NOW, SYSTEM, World, gate_shift
from tests.workers.helpers import messages

FINISHED_MSG = "Task #{task_id} “{title}” ended at {end}: your shift is recorded as finished. Thank you!"
NO_SHOW_MSG = (
    "You were marked as not at your post for task #{task_id} “{title}”. If this is wrong, tell your captain."
)


def run_tick(session: Session, now: datetime) -> list[str]:
    """One scheduler tick and what it dispatched, run as the actors would; the actors' names."""
    dispatches = collect_due(session, now=now)
    for dispatch in dispatches:
        if dispatch.actor == "escalate":
            climb(session=session, task_id=dispatch.args[0], token=dispatch.args[1], now=now)
        elif dispatch.actor == "shift_end":
            run_duty(session=session, duty_id=dispatch.args[0], now=now)
    session.flush()
    return [d.actor for d in dispatches]


def slot(session: Session, task: Task, person: Person) -> Assignment:
    found = session.scalar(
        select(Assignment).where(Assignment.task_id == task.id, Assignment.person_id == person.id)
    )
    assert found is not None
    return found


def count(session: Session, model: type, *where: ColumnElement[bool]) -> int:
    found: int | None = session.scalar(select(func.count()).select_from(model).where(*where))
    return found or 0


def test_a_two_person_gate_shift_where_one_finished_early_closes_at_its_end(
    session: Session, world: World
) -> None:
    # Given a gate shift 16:00–20:00 held by two volunteers who both checked in at the start
    task = gate_shift(session, world)
    assert task.starts_at is not None and task.ends_at is not None
    early, stays = world.volunteers[0], world.volunteers[1]
    for person in (early, stays):
        claims.claim(session=session, actor=world.actor(person), task_id=task.id, now=NOW)
        claims.check_in(session=session, actor=world.actor(person), task_id=task.id, now=task.starts_at)
    # and one finished an hour early with their figures
    left_at = task.ends_at - timedelta(hours=1)
    claims.complete(
        session=session,
        actor=world.actor(early),
        task_id=task.id,
        figures={"people_checked": 30},
        now=left_at,
    )
    run_tick(session, left_at + timedelta(minutes=1))
    # Then the other still holds their place, and the task is not done
    session.refresh(task)
    assert task.status == TaskStatus.IN_PROGRESS and task.filled == 2
    assert slot(session, task, stays).state == AssignmentState.CHECKED_IN
    # When the end passes (within the grace nothing closes it: time to report the figures)
    assert "shift_end" not in run_tick(session, task.ends_at + SHIFT_END_GRACE - timedelta(minutes=1))
    session.refresh(task)
    assert task.status == TaskStatus.IN_PROGRESS
    closing = task.ends_at + SHIFT_END_GRACE
    assert "shift_end" in run_tick(session, closing)
    # Then the one still at the post is finished by the shift's end, with no figures, and the task is done
    session.refresh(task)
    finished = slot(session, task, stays)
    assert finished.state == AssignmentState.DONE
    assert finished.ended_at == task.ends_at and finished.figures == {}
    assert slot(session, task, early).figures == {"people_checked": 30}
    assert slot(session, task, early).ended_at == left_at
    assert task.status == TaskStatus.DONE and task.escalation_due_at is None
    # an event says so, and the holder is told once
    events = session.scalars(
        select(Event).where(Event.task_id == task.id, Event.action == "finished_by_shift_end")
    ).all()
    assert [e.assignment_id for e in events] == [slot(session, task, stays).id]
    assert messages(session, task).count((f"p{stays.id}", FINISHED_MSG)) == 1
    assert (f"p{early.id}", FINISHED_MSG) not in messages(session, task)
    # and the duty is done, once
    duty = session.scalar(select(Duty).where(Duty.task_id == task.id))
    assert duty is not None and duty.kind == DutyKind.SHIFT_END and duty.status == DutyStatus.DONE
    # When the tick runs again later, and the duty is delivered a second time
    before = (
        count(session, Event),
        count(session, Notification),
        count(session, Duty, Duty.kind == DutyKind.SHIFT_END),
    )
    for later in (closing + timedelta(minutes=1), closing + timedelta(hours=3)):
        assert "shift_end" not in run_tick(session, later)
    assert run_duty(session=session, duty_id=duty.id, now=closing + timedelta(hours=4)) is None
    # Then nothing more is written or sent: the ladder stopped too (no "not finished" alert to the captain)
    assert (
        count(session, Event),
        count(session, Notification),
        count(session, Duty, Duty.kind == DutyKind.SHIFT_END),
    ) == before
    # and the day's figures count one task done by two people, with hours from the shift window
    day = boards.todays_figures(session, actor=SYSTEM, community=world.community, now=closing)
    assert (day.tasks_done, day.people) == (1, 2)
    # (the summary's day ends at 20:00, the shift's end: the hour worked to the end is the next day's)
    days = [task.ends_at.date(), task.ends_at.date() + timedelta(days=1)]
    summaries = [compute_summary(session, world.community, d, as_of=closing)["today"] for d in days]
    assert [s["hours"] for s in summaries] == [3.0, 4.0]
    # one task done (counted once), two people's completions
    assert [(s["done"], s["completions"]) for s in summaries] == [(1, 1), (0, 1)]


def test_a_holder_who_says_done_just_after_the_end_keeps_their_figures(
    session: Session, world: World
) -> None:
    # Given a one-person shift checked in at the start
    task = gate_shift(session, world, capacity=1)
    assert task.starts_at is not None and task.ends_at is not None
    person = world.volunteers[0]
    claims.claim(session=session, actor=world.actor(person), task_id=task.id, now=NOW)
    claims.check_in(session=session, actor=world.actor(person), task_id=task.id, now=task.starts_at)
    # When they report it done five minutes after the end, within the grace
    claims.complete(
        session=session,
        actor=world.actor(person),
        task_id=task.id,
        figures={"people_checked": 12},
        now=task.ends_at + timedelta(minutes=5),
    )
    run_tick(session, task.ends_at + SHIFT_END_GRACE)
    # Then their figures stand, the end has nothing to close, and they are not told it closed
    assert slot(session, task, person).figures == {"people_checked": 12}
    assert (f"p{person.id}", FINISHED_MSG) not in messages(session, task)
    session.refresh(task)
    assert task.status == TaskStatus.DONE


def test_after_downtime_the_tick_catches_up_each_ended_shift_once(session: Session, world: World) -> None:
    # Given two gate shifts: one held by a volunteer who checked in and one who never came,
    # the other held by someone who checked in; and no scheduler ran from before the start until long after
    first = gate_shift(session, world)
    second = gate_shift(session, world, hours_from_now=6, capacity=1, title="North gate, evening")
    assert first.starts_at is not None and first.ends_at is not None and second.ends_at is not None
    came, missing, evening = world.volunteers[0], world.volunteers[1], world.volunteers[2]
    for person in (came, missing):
        claims.claim(session=session, actor=world.actor(person), task_id=first.id, now=NOW)
    claims.claim(session=session, actor=world.actor(evening), task_id=second.id, now=NOW)
    claims.check_in(session=session, actor=world.actor(came), task_id=first.id, now=first.starts_at)
    assert second.starts_at is not None
    claims.check_in(session=session, actor=world.actor(evening), task_id=second.id, now=second.starts_at)
    # When the scheduler comes back after both ended, and ticks a few times
    back = second.ends_at + timedelta(hours=2)
    dispatched = run_tick(session, back)
    for _ in range(3):
        dispatched += run_tick(session, back + timedelta(minutes=1))
    # Then each shift's end ran once
    assert dispatched.count("shift_end") == 2
    session.refresh(first)
    session.refresh(second)
    assert first.status == TaskStatus.DONE and second.status == TaskStatus.DONE
    # the one who checked in is finished by the end; the one who never came is a no-show, told once
    assert slot(session, first, came).state == AssignmentState.DONE
    assert slot(session, first, came).ended_at == first.ends_at
    assert slot(session, first, missing).state == AssignmentState.NO_SHOW
    assert slot(session, second, evening).ended_at == second.ends_at
    sent = messages(session, first)
    assert sent.count((f"p{came.id}", FINISHED_MSG)) == 1
    assert sent.count((f"p{missing.id}", NO_SHOW_MSG)) == 1
    assert len(sent) == len(set(sent)), f"something was sent twice: {sent}"
    # and nobody is told late that the shift was short or missed: the work is over
    assert not [m for who, m in sent if who == f"p{world.gate_captain.id}"]


def test_a_shift_nobody_worked_is_not_called_done(session: Session, world: World) -> None:
    # Given a gate shift whose only holder never checked in
    task = gate_shift(session, world, capacity=1)
    assert task.ends_at is not None
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    # When its end passes (the scheduler down since before the start)
    run_tick(session, task.ends_at + SHIFT_END_GRACE)
    # Then the holder is a no-show and the shift is not done: nobody did it
    assert slot(session, task, world.volunteers[0]).state == AssignmentState.NO_SHOW
    session.refresh(task)
    assert task.status != TaskStatus.DONE
    # and the duty ran once: a later tick does not plan it again
    assert "shift_end" not in run_tick(session, task.ends_at + timedelta(hours=1))
    assert count(session, Duty, Duty.task_id == task.id) == 1


def test_patrol_held_without_a_check_in_stays_with_its_holder(session: Session, world: World) -> None:
    # Given a patrol (no check-in needed) held by one who never reported, and one who checked in
    task = gate_shift(session, world, kind="patrol", title="Evening patrol")
    assert task.starts_at is not None and task.ends_at is not None
    quiet, checked = world.volunteers[0], world.volunteers[1]
    for person in (quiet, checked):
        claims.claim(session=session, actor=world.actor(person), task_id=task.id, now=NOW)
    claims.check_in(session=session, actor=world.actor(checked), task_id=task.id, now=task.starts_at)
    # When the end passes
    run_tick(session, task.ends_at + SHIFT_END_GRACE)
    # Then the one who checked in is finished by the end; the other keeps the slot, to report it
    assert slot(session, task, checked).state == AssignmentState.DONE
    assert slot(session, task, quiet).state == AssignmentState.CLAIMED
    session.refresh(task)
    assert task.status != TaskStatus.DONE
    claims.complete(
        session=session,
        actor=world.actor(quiet),
        task_id=task.id,
        figures={"issues_found": 1},
        now=task.ends_at + timedelta(minutes=30),
    )
    session.refresh(task)
    assert task.status == TaskStatus.DONE


def test_done_after_the_end_closed_the_shift_says_it_is_done(session: Session, world: World) -> None:
    # Given a shift closed by its end
    task = gate_shift(session, world, capacity=1)
    assert task.starts_at is not None and task.ends_at is not None
    person = world.volunteers[0]
    claims.claim(session=session, actor=world.actor(person), task_id=task.id, now=NOW)
    claims.check_in(session=session, actor=world.actor(person), task_id=task.id, now=task.starts_at)
    run_tick(session, task.ends_at + SHIFT_END_GRACE)
    # When the holder says done afterwards, it is refused as already done and nothing changes
    with pytest.raises(InvalidTransition, match="already done"):
        claims.complete(
            session=session,
            actor=world.actor(person),
            task_id=task.id,
            figures={"people_checked": 3},
            now=task.ends_at + timedelta(hours=1),
        )
    assert slot(session, task, person).figures == {}
