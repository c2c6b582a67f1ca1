"""Slots of a task: taking and freeing them under concurrency, and moving an assignment between states.

Every change is a conditional UPDATE on the row's current state, so two people (or a person and a
worker) acting at once can never both move the same slot (DESIGN.md invariant 4).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from coord.errors import InvalidTransition, NotFound
from coord.i18n import N_
from coord.models import (
    ACTIVE_STATES,
    HOLDING_STATES,
    Assignment,
    AssignmentState,
    Person,
    Task,
    TaskStatus,
)
from coord.services.outbox.records import record_event
from coord.services.people.access import Actor
from coord.services.work.rules import refusal_to_take

CLAIMABLE = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


def take_slot(
    session: Session,
    task: Task,
    person: Person,
    *,
    actor: Actor,
    action: str,
    assigned_by: int | None,
    now: datetime,
) -> Assignment:
    """Give ``person`` one free slot of ``task`` and record the event ``action``, or refuse: the person
    already holds one (AlreadyClaimed) or none is free (TaskFull). ``task`` is updated in place."""
    session.flush()  # what the statements below refer to must be in the database
    taken = _take_slot_step_by_step(session, task, person, actor, action, assigned_by, now)
    if taken is None:
        raise refusal_to_take(task.id, already=holds(session, task, person))
    return taken


# The conditional UPDATE takes the slot and returns the new counts; the unique index on (task, person)
# refuses a second slot for one person.
_FILL = (
    update(Task)
    .where(Task.id == bindparam("task_id"), Task.filled < Task.capacity, Task.status.in_(CLAIMABLE))
    .values(
        filled=Task.filled + 1,
        status=case(
            ((Task.filled + 1 >= Task.capacity) & (Task.status == TaskStatus.OPEN), TaskStatus.FULL),
            else_=Task.status,
        ),
        escalation_due_at=None,
        escalation_token=Task.escalation_token + 1,
    )
    .returning(Task.filled, Task.status, Task.escalation_token)
)
_NEW_SLOT = insert(Assignment).returning(Assignment.id)


def _take_slot_step_by_step(
    session: Session,
    task: Task,
    person: Person,
    actor: Actor,
    action: str,
    assigned_by: int | None,
    now: datetime,
) -> Assignment | None:
    try:
        with session.begin_nested():
            connection = session.connection()
            filled = connection.execute(_FILL, {"task_id": task.id}).one_or_none()
            if filled is None:
                return None
            slot_id = connection.execute(
                _NEW_SLOT,
                {
                    "task_id": task.id,
                    "person_id": person.id,
                    "state": AssignmentState.CLAIMED,
                    "assigned_by_id": assigned_by,
                    "claimed_at": now,
                    "figures": {},
                    "note": "",
                },
            ).scalar_one()
    except IntegrityError:
        return None  # a second slot for this person, or (last line of defence) over capacity
    copy_taken(task, filled.filled, filled.status, filled.escalation_token)
    assignment = adopt(session, task.id, task, person, slot_id, assigned_by, now)
    record_event(
        session, actor=actor, action=action, community_id=task.community_id, assignment=assignment, at=now
    )
    return assignment


def copy_taken(task: Task, filled: int, status: str, token: int) -> None:
    """Copy what the database now holds onto the loaded task, with no SELECT."""
    set_committed_value(task, "filled", filled)
    set_committed_value(task, "status", TaskStatus(status))
    set_committed_value(task, "escalation_due_at", None)
    set_committed_value(task, "escalation_token", token)


def adopt(
    session: Session,
    task_id: int,
    task: Task | None,
    person: Person,
    slot_id: int,
    assigned_by: int | None,
    now: datetime,
) -> Assignment:
    """The new slot as a persistent object of the session, built from what was inserted (no SELECT).
    Without ``task``, the slot's ``task`` loads when first read."""
    assignment = Assignment(
        id=slot_id,
        task_id=task_id,
        person_id=person.id,
        state=AssignmentState.CLAIMED,
        assigned_by_id=assigned_by,
        claimed_at=now,
        checked_in_at=None,
        ended_at=None,
        figures={},
        note="",
    )
    make_transient_to_detached(assignment)
    session.add(assignment)
    if task is not None:  # keeps the task loaded: the session holds objects weakly
        set_committed_value(assignment, "task", task)
    return assignment


_HOLDS = select(
    exists().where(
        Assignment.task_id == bindparam("task_id"),
        Assignment.person_id == bindparam("person_id"),
        Assignment.state.in_(HOLDING_STATES),
    )
)


def holds(session: Session, task: Task, person: Person) -> bool:
    return bool(session.scalar(_HOLDS, {"task_id": task.id, "person_id": person.id}))


_FREE = (
    update(Task)
    .where(Task.id == bindparam("task_id"), Task.filled > 0)
    .values(
        filled=Task.filled - 1,
        status=case((Task.status == TaskStatus.FULL, TaskStatus.OPEN), else_=Task.status),
    )
    .returning(Task.filled, Task.status)
)


def free_slot(session: Session, task: Task) -> None:
    freed = session.connection().execute(_FREE, {"task_id": task.id}).one_or_none()
    if freed is not None:
        set_committed_value(task, "filled", freed.filled)
        set_committed_value(task, "status", TaskStatus(freed.status))


# Work starts (the first check-in) or ends (the last holder is done): either way any escalation under way
# stops, as a claim pauses it: the due time is cleared and the fencing token bumped (invariant 3).
_START_WORK = (
    update(Task)
    .where(Task.id == bindparam("task_id"))
    .values(
        status=case(
            (Task.status.in_([TaskStatus.OPEN, TaskStatus.FULL]), TaskStatus.IN_PROGRESS), else_=Task.status
        ),
        escalation_due_at=None,
        escalation_token=Task.escalation_token + 1,
    )
    .returning(Task.status, Task.escalation_token)
)
_FINISH_WORK = (
    update(Task)
    .where(
        Task.id == bindparam("task_id"),
        Task.status.not_in([TaskStatus.DONE, TaskStatus.CANCELLED]),
        ~exists().where(Assignment.task_id == Task.id, Assignment.state.in_(ACTIVE_STATES)),
    )
    .values(status=TaskStatus.DONE, escalation_due_at=None, escalation_token=Task.escalation_token + 1)
    .returning(Task.status, Task.escalation_token)
)


def start_work(session: Session, task: Task) -> None:
    """A holder checked in: the task is in progress and its escalation stops."""
    _settle(task, session.connection().execute(_START_WORK, {"task_id": task.id}).one_or_none())


def finish_work(session: Session, task: Task) -> None:
    """A holder is done: when nobody is still working on it, the task is done and its escalation stops."""
    _settle(task, session.connection().execute(_FINISH_WORK, {"task_id": task.id}).one_or_none())


def _settle(task: Task, row: Any) -> None:
    if row is not None:
        set_committed_value(task, "status", TaskStatus(row.status))
        set_committed_value(task, "escalation_due_at", None)
        set_committed_value(task, "escalation_token", row.escalation_token)


@functools.cache
def _moving(from_states: tuple[AssignmentState, ...], columns: tuple[str, ...]) -> Any:
    """``UPDATE assignment ... RETURNING`` the moved slot, loaded as an ORM object; built once per shape."""
    return select(Assignment).from_statement(
        update(Assignment)
        .where(
            Assignment.task_id == bindparam("held_task"),
            Assignment.person_id == bindparam("held_by"),
            Assignment.state.in_(from_states),
        )
        .values({name: bindparam(f"new_{name}") for name in columns})
        .returning(*Assignment.__table__.columns)
    )


def move_held(
    session: Session,
    task: Task,
    person: Person,
    from_states: tuple[AssignmentState, ...],
    to: AssignmentState,
    **values: Any,
) -> Assignment | None:
    """The common path of a transition in one statement: move the slot ``person`` holds in ``task`` from one
    of ``from_states`` to ``to``; the moved slot, or None when nothing moved (the caller then asks why)."""
    values["state"] = to
    params = {f"new_{name}": value for name, value in values.items()}
    statement = _moving(from_states, tuple(values))
    moved = session.scalars(
        statement,
        {"held_task": task.id, "held_by": person.id, **params},
        execution_options={"populate_existing": True},
    ).one_or_none()
    if moved is not None:
        set_committed_value(moved, "task", task)  # keeps the task loaded: the session holds objects weakly
    return moved


def move(
    session: Session,
    assignment: Assignment,
    from_states: tuple[AssignmentState, ...],
    to: AssignmentState,
    *,
    refusal: Exception,
    **values: Any,
) -> None:
    moved = session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.state.in_(from_states))
        .values(state=to, **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount == 0:  # type: ignore[attr-defined]
        raise refusal
    session.refresh(assignment)


_HOLDING = select(Assignment).where(
    Assignment.task_id == bindparam("task_id"),
    Assignment.person_id == bindparam("person_id"),
    Assignment.state.in_(HOLDING_STATES),
)


def holding(session: Session, task: Task, person: Person, msgid: str) -> Assignment:
    assignment = session.scalar(_HOLDING, {"task_id": task.id, "person_id": person.id})
    if assignment is None:
        raise NotFound(msgid, task_id=task.id, name=person.name)
    return assignment


def refusal(assignment: Assignment) -> InvalidTransition:
    if assignment.state == AssignmentState.DONE:
        return InvalidTransition(
            N_("Task #{task_id} is already done. Thank you!"), task_id=assignment.task_id
        )
    if assignment.state == AssignmentState.CHECKED_IN:
        return InvalidTransition(
            N_(
                "You are already checked in for task #{task_id}; report it done when finished, "
                "or say “can't complete” with a reason."
            ),
            task_id=assignment.task_id,
        )
    return InvalidTransition(
        N_("Task #{task_id} cannot change from “{state}” that way."),
        task_id=assignment.task_id,
        state=str(assignment.state),
    )
