"""Slots of a task: taking and freeing them under concurrency, and moving an assignment between states.

Every change is a conditional UPDATE on the row's current state, so two people (or a person and a
worker) acting at once can never both move the same slot (DESIGN.md invariant 4): ``fill_slots`` is the
one write that takes slots, for a claim, an assignment and the roster alike, and the unique index on
(task, person) refuses a second slot for one person. Statements return the rows they changed as ORM
objects (``populate_existing``), so what the session holds is what the database holds, with no SELECT.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, case, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor
from coord.services.work.rules import refusal_to_take

CLAIMABLE = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
_LOADED = {"populate_existing": True}  # rows a statement returns overwrite what the session holds


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
    already holds one (AlreadyClaimed) or none is free (TaskFull). ``task`` is brought up to date."""
    session.flush()  # what the statements below refer to must be in the database
    try:
        with session.begin_nested():
            if not fill_slots(session, [task.id], 1):
                raise refusal_to_take(task.id, already=holds(session, task, person))
            assignment = new_slot(session, task, person, assigned_by=assigned_by, now=now)
    except IntegrityError:  # a second slot for this person, or (last line of defence) over capacity
        session.expire(task)  # the savepoint's fill was undone: read the task again when next used
        raise refusal_to_take(task.id, already=holds(session, task, person)) from None
    record_event(
        session, actor=actor, action=action, community_id=task.community_id, assignment=assignment, at=now
    )
    return assignment


def fill_slots(session: Session, task_ids: list[int], count: int) -> list[Task]:
    """Take ``count`` more slots of each task that still has that many free and is open to claims, stopping
    its escalation (a claim pauses the ladder; the next tick re-arms it). Returns the tasks it filled."""
    return list(session.scalars(_filling(count), {"task_ids": task_ids}, execution_options=_LOADED))


def _loading(statement: Update, entity: type[Task] | type[Assignment]) -> Any:
    """An UPDATE whose returned rows load as ``entity`` objects: the ORM's plain loading path, several
    times cheaper here than its bulk-UPDATE path with its session synchronisation."""
    return select(entity).from_statement(statement.returning(*entity.__table__.columns))


@functools.cache
def _filling(count: int) -> Any:
    return _loading(
        update(Task)
        .where(
            Task.id.in_(bindparam("task_ids", expanding=True)),
            Task.filled + count <= Task.capacity,
            Task.status.in_(CLAIMABLE),
        )
        .values(
            filled=Task.filled + count,
            status=case(
                ((Task.filled + count >= Task.capacity) & (Task.status == TaskStatus.OPEN), TaskStatus.FULL),
                else_=Task.status,
            ),
            **Task.escalation_stopped(),
        ),
        Task,
    )


def new_slot(
    session: Session, task: Task, person: Person, *, assigned_by: int | None, now: datetime
) -> Assignment:
    """Add the slot of a task ``fill_slots`` made room in (flushed: the unique index is checked now)."""
    assignment = Assignment(
        task=task,
        person_id=person.id,
        state=AssignmentState.CLAIMED,
        assigned_by_id=assigned_by,
        claimed_at=now,
        figures={},
        note="",
    )
    session.add(assignment)
    session.flush()
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


_FREE = _loading(
    update(Task)
    .where(Task.id == bindparam("task_id"), Task.filled > 0)
    .values(
        filled=Task.filled - 1,
        status=case((Task.status == TaskStatus.FULL, TaskStatus.OPEN), else_=Task.status),
    ),
    Task,
)
# Work starts (the first check-in) or ends (every holder is done, or the shift is over): either way any
# escalation under way stops, as a claim pauses it.
_START_WORK = _loading(
    update(Task)
    .where(Task.id == bindparam("task_id"))
    .values(
        status=case(
            (Task.status.in_([TaskStatus.OPEN, TaskStatus.FULL]), TaskStatus.IN_PROGRESS), else_=Task.status
        ),
        **Task.escalation_stopped(),
    ),
    Task,
)
_FINISH_WORK = _loading(
    update(Task)
    .where(
        Task.id == bindparam("task_id"),
        Task.status.not_in([TaskStatus.DONE, TaskStatus.CANCELLED]),
        or_(
            ~exists().where(Assignment.task_id == Task.id, Assignment.state.in_(ACTIVE_STATES)),
            Task.ends_at <= bindparam("now", type_=Task.ends_at.type),
        ),
    )
    .values(status=TaskStatus.DONE, **Task.escalation_stopped()),
    Task,
)


def free_slot(session: Session, task: Task) -> None:
    """A holder gave their slot up: one more is free, and full work is open again."""
    _change(session, task, _FREE)


def start_work(session: Session, task: Task) -> None:
    """A holder checked in: the task is in progress and its escalation stops."""
    _change(session, task, _START_WORK)


def finish_work(session: Session, task: Task, now: datetime) -> None:
    """A holder is done: when every holder is done, or the shift is over at ``now``, the task is done and
    its escalation stops. Until then the others keep their places (invariant 11): a slot reported done
    still holds its place (``HOLDING_STATES``), so the task is no emptier for it."""
    _change(session, task, _FINISH_WORK, now=now)


def _change(session: Session, task: Task, statement: Any, **values: Any) -> None:
    session.scalars(statement, {"task_id": task.id, **values}, execution_options=_LOADED).one_or_none()


@functools.cache
def _moving(from_states: tuple[AssignmentState, ...], columns: tuple[str, ...], by_id: bool) -> Any:
    """``UPDATE assignment ... RETURNING`` the moved slot, loaded as an ORM object; built once per shape."""
    held = (
        (Assignment.id == bindparam("slot_id"),)
        if by_id
        else (Assignment.task_id == bindparam("held_task"), Assignment.person_id == bindparam("held_by"))
    )
    return _loading(
        update(Assignment)
        .where(*held, Assignment.state.in_(from_states))
        .values({name: bindparam(f"new_{name}") for name in columns}),
        Assignment,
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
    statement = _moving(from_states, tuple(values), False)
    return session.scalars(
        statement, {"held_task": task.id, "held_by": person.id, **params}, execution_options=_LOADED
    ).one_or_none()


def move(
    session: Session,
    assignment: Assignment,
    from_states: tuple[AssignmentState, ...],
    to: AssignmentState,
    *,
    refusal: Exception,
    **values: Any,
) -> None:
    """Move ``assignment`` from one of ``from_states`` to ``to``; raise ``refusal`` when it has moved on."""
    values["state"] = to
    params = {f"new_{name}": value for name, value in values.items()}
    statement = _moving(from_states, tuple(values), True)
    moved = session.scalars(
        statement, {"slot_id": assignment.id, **params}, execution_options=_LOADED
    ).one_or_none()
    if moved is None:
        raise refusal


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
