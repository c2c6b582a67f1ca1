"""Creating, finding, listing and cancelling tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, case, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from coord.clock import utcnow
from coord.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from coord.i18n import N_
from coord.kinds import get_kind
from coord.models import (
    ACTIVE_STATES,
    Area,
    Assignment,
    AssignmentState,
    Community,
    Household,
    Place,
    Priority,
    Task,
    TaskStatus,
    Team,
    as_id,
)
from coord.models.kinds import find_kind
from coord.services.outbox.events import record_event
from coord.services.outbox.notifications import notify
from coord.services.people.access import Actor, require_lead

MAX_CAPACITY = 500


def create_task(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    kind: str,
    title: str,
    team: Team | None = None,
    public_details: str = "",
    private_details: str = "",
    place: Place | None = None,
    household: Household | None = None,
    priority: Priority = Priority.NORMAL,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    due_at: datetime | None = None,
    capacity: int = 1,
    skills: list[str] | None = None,
    now: datetime | None = None,
) -> Task:
    """A new open task. Shift work has a window (starts_at, ends_at); other work may have a deadline."""
    require_lead(session, actor, community.id, team.id if team else None)
    task_kind = find_kind(session, community.id, kind) or get_kind(kind)  # the community's own kinds too
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(N_("A task needs a title of 1 to 200 characters."))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(N_("A task needs between 1 and {most} people."), most=MAX_CAPACITY)
    if (starts_at is None) != (ends_at is None):
        raise InvalidInput(N_("A shift needs both a start and an end."))
    if starts_at and ends_at and ends_at <= starts_at:
        raise InvalidInput(N_("A shift must end after it starts."))
    if task_kind.shift and starts_at is None:
        raise InvalidInput(N_("{kind} is shift work: give it a start and an end."), kind=task_kind.name)
    moment = now or utcnow()
    if (ends_at and ends_at <= moment) or (due_at and due_at <= moment and starts_at is None):
        raise InvalidInput(N_("That time has already passed."))
    for thing in (team, place, household):
        if thing is not None and thing.community_id != community.id:
            raise InvalidInput(N_("Everything a task names must belong to the same community."))
    if household is not None and place is None:
        place = household.building
    task = Task(
        community_id=community.id,
        kind=task_kind.name,
        title=title,
        public_details=public_details.strip(),
        private_details=private_details.strip(),
        team_id=team.id if team else None,
        place_id=place.id if place else None,
        household_id=household.id if household else None,
        priority=priority,
        starts_at=starts_at,
        ends_at=ends_at,
        due_at=due_at,
        capacity=capacity,
        skills=sorted({s.strip().lower() for s in skills or [] if s.strip()}),
        created_by_id=actor.person_id,
        created_at=moment,
    )
    session.add(task)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="task_created",
        community_id=community.id,
        task=task,
        at=moment,
        kind=task.kind,
        capacity=capacity,
        priority=str(priority),
    )
    return task


_BY_ID = select(Task).where(Task.id == bindparam("task_id"))


def get_task(
    session: Session, task_id: int, *, community_id: int | None = None, for_update: bool = False
) -> Task:
    """The task ``task_id``; one of another community is reported as unknown."""
    if as_id(task_id) is None:
        task = None
    elif for_update:
        task = session.scalar(select(Task).where(Task.id == task_id).with_for_update())
    else:  # no SELECT when the session has it already; else one built once (cheaper than Session.get)
        task = session.identity_map.get(identity_key(Task, task_id)) or session.scalar(
            _BY_ID, {"task_id": task_id}
        )
    if task is None or (community_id is not None and task.community_id != community_id):
        raise unknown_task(task_id)
    return task


def unknown_task(task_id: int) -> NotFound:
    """No such task, or (said the same way, so as to tell nothing) one of another community."""
    return NotFound(N_("There is no task #{task_id}. Check the number in the task list."), task_id=task_id)


def cancel_task(
    *, session: Session, actor: Actor, task_id: int, reason: str = "", now: datetime | None = None
) -> Task:
    """Cancel open or full work; whoever held a slot is told."""
    task = get_task(session, task_id, community_id=_community_of(actor))
    require_lead(session, actor, task.community_id, task.team_id)
    moment = now or utcnow()
    cancelled = session.scalars(
        update(Task)
        .where(Task.id == task.id, Task.status.in_([TaskStatus.OPEN, TaskStatus.FULL]))
        .values(status=TaskStatus.CANCELLED, **Task.escalation_stopped())
        .returning(Task),
        execution_options={"populate_existing": True},
    ).one_or_none()
    if cancelled is None:
        raise InvalidTransition(
            N_(
                "Task #{task_id} is {status} and can no longer be cancelled. "
                "Reassign it or let it finish instead."
            ),
            task_id=task.id,
            status=str(session.scalar(select(Task.status).where(Task.id == task.id))),
        )
    holders = session.scalars(
        select(Assignment).where(Assignment.task_id == task.id, Assignment.state.in_(ACTIVE_STATES))
    ).all()
    for assignment in holders:
        assignment.state = AssignmentState.CANCELLED
        assignment.ended_at = moment
        notify(
            session,
            dedupe_key=f"task:{task.id}:cancelled:{assignment.person_id}",
            community_id=task.community_id,
            person_id=assignment.person_id,
            task_id=task.id,
            msgid=N_("Task #{task_id} “{title}” was cancelled. {reason}"),
            params={"task_id": task.id, "title": task.title, "reason": reason},
            at=moment,
        )
    if task.kind in ("delivery", "purchase"):
        from coord.services.requests.progress import work_cancelled

        work_cancelled(session, task, now=moment)  # the households' requests it carried are not lost
    record_event(
        session,
        actor=actor,
        action="task_cancelled",
        community_id=task.community_id,
        task=task,
        at=moment,
        reason=reason,
        released=len(holders),
    )
    return task


def set_place(
    *, session: Session, actor: Actor, task_id: int, place: Place, now: datetime | None = None
) -> Task:
    """Say where live work happens (a captain of its team, or a coordinator)."""
    task = get_task(session, task_id, community_id=_community_of(actor))
    require_lead(session, actor, task.community_id, task.team_id)
    if place.community_id != task.community_id:
        raise NotAllowed(N_("Everything a task names must belong to the same community."))
    if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise InvalidTransition(
            N_("Task #{task_id} is {status}; look at the open tasks instead."),
            task_id=task.id,
            status=str(task.status),
        )
    task.place_id = place.id
    session.flush()
    session.refresh(task, ["place"])
    record_event(
        session,
        actor=actor,
        action="task_place_set",
        community_id=task.community_id,
        task=task,
        at=now or utcnow(),
        place_id=place.id,
    )
    return task


@dataclass(frozen=True)
class TaskFilter:
    status: tuple[TaskStatus, ...] = (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)
    kind: str | None = None
    team_id: int | None = None
    area_id: int | None = None
    within_area_id: int | None = None  # places in this area or in any grid inside it
    priority: Priority | None = None
    claimable: bool = False  # only tasks with a free slot
    starting_before: datetime | None = None
    starting_after: datetime | None = None


def list_tasks(
    session: Session,
    community_id: int,
    flt: TaskFilter = TaskFilter(),
    *,
    first_team_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Task]:
    """Tasks of a community: urgent first, then the given team's, then by time."""
    query = _filtered(select(Task).where(Task.community_id == community_id), flt)
    order: list[Any] = [case((Task.priority == Priority.URGENT, 0), else_=1)]
    if first_team_id is not None:
        order.append(case((Task.team_id == first_team_id, 0), else_=1))
    when = case((Task.starts_at.is_not(None), Task.starts_at), else_=Task.due_at)
    order += [case((when.is_(None), 1), else_=0), when, Task.id]
    return list(session.scalars(query.order_by(*order).limit(limit).offset(offset)))


def _filtered(query: Select[tuple[Task]], flt: TaskFilter) -> Select[tuple[Task]]:
    query = query.where(Task.status.in_(flt.status))
    if flt.kind:
        query = query.where(Task.kind == get_kind(flt.kind).name)
    if flt.team_id is not None:
        query = query.where(Task.team_id == flt.team_id)
    if flt.priority is not None:
        query = query.where(Task.priority == flt.priority)
    if flt.claimable:
        query = query.where(Task.filled < Task.capacity)
    if flt.area_id is not None:
        query = query.where(Task.place_id.in_(select(Place.id).where(Place.area_id == flt.area_id)))
    if flt.within_area_id is not None:
        area = flt.within_area_id
        inside = select(Area.id).where(or_(Area.id == area, Area.parent_id == area))
        query = query.where(Task.place_id.in_(select(Place.id).where(Place.area_id.in_(inside))))
    if flt.starting_before is not None:
        query = query.where(or_(Task.starts_at < flt.starting_before, Task.due_at < flt.starting_before))
    if flt.starting_after is not None:
        query = query.where(or_(Task.starts_at >= flt.starting_after, Task.due_at >= flt.starting_after))
    return query


def _community_of(actor: Actor) -> int | None:
    return actor.person.community_id if actor.person else None


CHECK_IN_EARLY = timedelta(minutes=60)
