"""Taking a slot (``slots.take_slot``: one conditional UPDATE and the unique index on (task, person)).

Every test here runs on both databases: what is written, what is refused, and that a refusal writes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session

from coord.errors import AlreadyClaimed, InvalidTransition, TaskFull
from coord.models import Assignment, AssignmentState, Event, Task, TaskStatus
from coord.services.work import claims
from tests.factories import NOW, World, gate_shift


def written(session: Session, task_id: int) -> tuple[int, int, int]:
    """What the database holds for the task: filled, slots, events."""
    filled = session.scalar(select(Task.filled).where(Task.id == task_id))
    slots = session.scalar(select(func.count(Assignment.id)).where(Assignment.task_id == task_id))
    events = session.scalar(select(func.count(Event.id)).where(Event.task_id == task_id))
    return int(filled or 0), int(slots or 0), int(events or 0)


def test_a_claim_writes_the_slot_the_task_and_the_event(session: Session, world: World) -> None:
    # Given a shift for two whose escalation is under way
    task = gate_shift(session, world)
    session.execute(
        update(Task).where(Task.id == task.id).values(escalation_due_at=NOW + timedelta(minutes=5))
    )
    session.refresh(task)
    token = task.escalation_token
    me = world.volunteers[0]
    # When a volunteer claims it
    slot = claims.claim(session=session, actor=world.actor(me, "telegram"), task_id=task.id, now=NOW)
    # Then the returned slot is the stored one, already part of the session
    assert inspect(slot).persistent
    stored = session.execute(
        select(Assignment.person_id, Assignment.state, Assignment.claimed_at).where(Assignment.id == slot.id)
    ).one()
    assert (stored.person_id, stored.state, stored.claimed_at) == (me.id, AssignmentState.CLAIMED, NOW)
    assert slot.task is task and slot.state == AssignmentState.CLAIMED
    # And the loaded task shows what the database holds: one slot taken, the escalation paused
    assert (task.filled, task.status, task.escalation_due_at) == (1, TaskStatus.OPEN, None)
    assert task.escalation_token == token + 1
    session.expire(task)
    assert (task.filled, task.escalation_due_at, task.escalation_token) == (1, None, token + 1)
    # And the event says who, what and from which channel
    event = session.scalars(select(Event).where(Event.task_id == task.id, Event.action == "claimed")).one()
    assert (event.actor_id, event.channel, event.assignment_id, event.subject_id) == (
        me.id,
        "telegram",
        slot.id,
        me.id,
    )
    assert event.at == NOW and event.data == {}


def test_the_last_slot_makes_the_task_full(session: Session, world: World) -> None:
    task = gate_shift(session, world, capacity=1)
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    assert (task.filled, task.status) == (1, TaskStatus.FULL)
    session.expire(task)
    assert (task.filled, task.status) == (1, TaskStatus.FULL)


def test_work_in_progress_with_a_free_slot_can_be_claimed(session: Session, world: World) -> None:
    task = gate_shift(session, world, capacity=3)
    session.execute(update(Task).where(Task.id == task.id).values(status=TaskStatus.IN_PROGRESS))
    session.refresh(task)
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    assert (task.filled, task.status) == (1, TaskStatus.IN_PROGRESS)


@pytest.mark.parametrize("capacity", [1, 2])
def test_a_second_claim_by_the_same_person_writes_nothing(
    session: Session, world: World, capacity: int
) -> None:
    # Given a volunteer holding a slot (of a task with a free slot left, or none)
    task = gate_shift(session, world, capacity=capacity)
    me = world.actor(world.volunteers[0])
    claims.claim(session=session, actor=me, task_id=task.id, now=NOW)
    before = written(session, task.id)
    # When they claim it again, they are told they hold it already, and nothing changes
    with pytest.raises(AlreadyClaimed):
        claims.claim(session=session, actor=me, task_id=task.id, now=NOW)
    assert written(session, task.id) == before
    assert task.filled == 1


def test_a_full_task_refuses_and_writes_nothing(session: Session, world: World) -> None:
    task = gate_shift(session, world, capacity=1)
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    before = written(session, task.id)
    with pytest.raises(TaskFull):
        claims.claim(session=session, actor=world.actor(world.volunteers[1]), task_id=task.id, now=NOW)
    assert written(session, task.id) == before


def test_a_task_cancelled_behind_the_loaded_one_refuses(session: Session, world: World) -> None:
    # Given a task this session loaded while it was open, then cancelled in the database
    task = gate_shift(session, world)
    session.execute(
        update(Task)
        .where(Task.id == task.id)
        .values(status=TaskStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    assert task.status == TaskStatus.OPEN  # the loaded object has not seen it
    before = written(session, task.id)
    # When someone claims it, the database's state decides: no slot is taken (PostgreSQL, which reads the
    # task under its lock, says it is cancelled; SQLite's conditional UPDATE finds no free slot)
    with pytest.raises(InvalidTransition):
        claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    assert written(session, task.id) == before


def test_a_captain_assigning_writes_an_assigned_event(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    captain = world.actor(world.gate_captain, "matrix")
    slot = claims.assign(session=session, actor=captain, task_id=task.id, person=world.volunteers[1], now=NOW)
    assert slot.assigned_by_id == world.gate_captain.id
    event = session.scalars(select(Event).where(Event.task_id == task.id, Event.action == "assigned")).one()
    assert (event.actor_id, event.channel, event.subject_id) == (
        world.gate_captain.id,
        "matrix",
        world.volunteers[1].id,
    )
    stored_by = session.scalar(select(Assignment.assigned_by_id).where(Assignment.id == slot.id))
    assert stored_by == world.gate_captain.id
