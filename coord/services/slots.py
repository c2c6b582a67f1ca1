"""Slots of a task: taking and freeing them under concurrency, and moving an assignment between states.

Every change is a conditional UPDATE on the row's current state, so two people (or a person and a
worker) acting at once can never both move the same slot (DESIGN.md invariant 4).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from coord.errors import AlreadyClaimed, InvalidTransition, NotAllowed, NotFound, TaskFull
from coord.i18n import N_
from coord.models import (
    HOLDING_STATES,
    Assignment,
    AssignmentState,
    Community,
    HealthDeclaration,
    Person,
    Task,
    TaskStatus,
)

CLAIMABLE = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


def check_claimable(
    session: Session, task: Task, person: Person, moment: datetime, *, declaration_needed: bool = True
) -> None:
    if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise InvalidTransition(
            N_("Task #{task_id} is {status}; look at the open tasks instead."),
            task_id=task.id,
            status=str(task.status),
        )
    if (task.ends_at and moment >= task.ends_at) or (
        task.due_at and moment >= task.due_at and not task.starts_at
    ):
        raise InvalidTransition(
            N_("Task #{task_id} is already over; look at the open tasks instead."), task_id=task.id
        )
    missing = sorted(set(task.skills) - set(person.skills))
    if missing:
        raise NotAllowed(
            N_("Task #{task_id} needs: {skills}. Ask your captain if you can help otherwise."),
            task_id=task.id,
            skills=", ".join(missing),
        )
    if declaration_needed:
        community = session.get(Community, task.community_id)
        if community is not None and community.requires_health_declaration:
            today = moment.astimezone(ZoneInfo(community.timezone)).date()
            healthy = session.scalar(
                select(HealthDeclaration.healthy).where(
                    HealthDeclaration.person_id == person.id, HealthDeclaration.day == today
                )
            )
            if not healthy:
                raise NotAllowed(N_("Please send today's health declaration before claiming work."))


def take_slot(
    session: Session, task: Task, person: Person, *, assigned_by: int | None, now: datetime
) -> Assignment:
    # The common path is one conditional UPDATE (RETURNING the new counts, so no refresh) and one INSERT;
    # who already holds a slot is asked only when that path fails (DESIGN.md invariant 4). The same UPDATE
    # pauses any escalation under way: its next step will find a stale token (invariant 3).
    try:
        with session.begin_nested():
            taken = (
                session.connection()
                .execute(
                    update(Task)
                    .where(Task.id == task.id, Task.filled < Task.capacity, Task.status.in_(CLAIMABLE))
                    .values(
                        filled=Task.filled + 1,
                        status=case(
                            (
                                (Task.filled + 1 >= Task.capacity) & (Task.status == TaskStatus.OPEN),
                                TaskStatus.FULL,
                            ),
                            else_=Task.status,
                        ),
                        escalation_due_at=None,
                        escalation_token=Task.escalation_token + 1,
                    )
                    .returning(Task.filled, Task.status, Task.escalation_token)
                )
                .one_or_none()
            )
            if taken is not None:
                set_committed_value(task, "filled", taken.filled)
                set_committed_value(task, "status", TaskStatus(taken.status))
                set_committed_value(task, "escalation_due_at", None)
                set_committed_value(task, "escalation_token", taken.escalation_token)
                assignment = Assignment(
                    task_id=task.id, person_id=person.id, assigned_by_id=assigned_by, claimed_at=now
                )
                session.add(assignment)
                session.flush()
    except IntegrityError:
        session.expire(task)  # the savepoint undid the UPDATE whose result was copied onto the task
        taken = None
    if taken is None:
        # Full, or refused by the unique index (a second slot for this person) or, as a last line
        # of defence, by the capacity CHECK constraint: say which.
        if holds(session, task, person):
            raise AlreadyClaimed(N_("You already hold a slot of task #{task_id}."), task_id=task.id)
        raise TaskFull(
            N_("Task #{task_id} is full: every slot is taken. Look at the other open tasks."), task_id=task.id
        )
    return assignment


def holds(session: Session, task: Task, person: Person) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Assignment.task_id == task.id,
                    Assignment.person_id == person.id,
                    Assignment.state.in_(HOLDING_STATES),
                )
            )
        )
    )


def free_slot(session: Session, task: Task) -> None:
    session.execute(
        update(Task)
        .where(Task.id == task.id, Task.filled > 0)
        .values(
            filled=Task.filled - 1,
            status=case((Task.status == TaskStatus.FULL, TaskStatus.OPEN), else_=Task.status),
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(task)


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


def holding(session: Session, task: Task, person: Person, msgid: str) -> Assignment:
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.task_id == task.id,
            Assignment.person_id == person.id,
            Assignment.state.in_(HOLDING_STATES),
        )
    )
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


def stop_escalation(session: Session, task: Task) -> None:
    """Claiming, checking in or finishing ends an escalation under way: later steps find a stale token."""
    if task.escalation_due_at is not None or task.escalation_policy is not None:
        session.execute(
            update(Task)
            .where(Task.id == task.id)
            .values(escalation_due_at=None, escalation_token=Task.escalation_token + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(task)
