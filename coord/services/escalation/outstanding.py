"""The escalations a coordinator still has to act on: live work an alert went out about, whose trouble
is still there now (places still open, people not at their post, work past its deadline), newest first.

Reminders to the holder are not escalations. Work whose trouble has gone (the shift filled, the person
checked in, the work done or cancelled, the shift over) drops off the list by itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from coord.models import Assignment, AssignmentState, Community, Event, Person, Task, TaskStatus
from coord.services.people.access import Actor, require_coordinator

LIVE = (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)
PAGE_SIZE = 5
#: A holder not checked in this long after their start (or their late claim) counts as not at the post.
GRACE = timedelta(minutes=10)
#: Who heard, in the order of the ladder (DESIGN.md): the words the chat layer shows for each.
AUDIENCES = ("assignee", "team", "reserve", "captain", "coordinators")


@dataclass(frozen=True)
class Outstanding:
    """One piece of work that still needs action, and the last alert about it."""

    task: Task
    open_places: int  # places nobody holds (0 when full)
    missing: list[str]  # who did not come to the post (not checked in after the start)
    overdue: bool  # its deadline (or its shift's end) has passed and it is not done
    alerted_at: datetime  # the last alert about it
    told: list[str] = field(default_factory=list)  # the audiences of the last message (AUDIENCES)


@dataclass(frozen=True)
class Page:
    items: list[Outstanding]
    number: int
    more: bool  # a next page exists


def outstanding(
    session: Session,
    *,
    actor: Actor,
    community: Community,
    now: datetime,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> Page:
    """Page ``page`` of the escalations still needing action in ``community``, newest alert first."""
    require_coordinator(session, actor, community.id)
    alerts = _alerts(session, community.id)
    tasks = {
        t.id: t
        for t in session.scalars(
            select(Task)
            .options(joinedload(Task.place), joinedload(Task.team))
            .where(Task.id.in_(list(alerts)), Task.status.in_(LIVE))
        )
    }
    holders = _holders(session, list(tasks))
    found = []
    for task_id, (at, told) in alerts.items():
        task = tasks.get(task_id)
        if task is not None and (item := _trouble(task, holders.get(task_id, []), at, told, now)):
            found.append(item)
    found.sort(key=lambda o: (o.alerted_at, o.task.id), reverse=True)
    page = max(page, 1)
    start = (page - 1) * size
    return Page(found[start : start + size], page, len(found) > start + size)


def _alerts(session: Session, community_id: int) -> dict[int, tuple[datetime, list[str]]]:
    """For each live task with an escalation: when the last one ran, and whom its last message told."""
    rows = session.execute(
        select(Event.task_id, Event.at, Event.data)
        .join(Task, Task.id == Event.task_id)
        .where(Event.community_id == community_id, Event.action == "escalated", Task.status.in_(LIVE))
        .order_by(Event.at, Event.id)
    ).all()
    last: dict[int, tuple[datetime, list[str]]] = {}
    for task_id, at, data in rows:
        if task_id is None or (data or {}).get("condition") == "claimed":  # reminders are not escalations
            continue
        told = [a for a in AUDIENCES if a in (data or {}).get("told", [])]
        previous = last.get(task_id)
        last[task_id] = (at, told or (previous[1] if previous else []))
    return last


def _holders(session: Session, task_ids: list[int]) -> dict[int, list[tuple[Assignment, str]]]:
    held: dict[int, list[tuple[Assignment, str]]] = defaultdict(list)
    for assignment, name in session.execute(
        select(Assignment, Person.name)
        .join(Person, Person.id == Assignment.person_id)
        .where(Assignment.task_id.in_(task_ids))
        .order_by(Assignment.id)
    ).tuples():
        held[assignment.task_id].append((assignment, name))
    return held


def _trouble(
    task: Task, held: list[tuple[Assignment, str]], at: datetime, told: list[str], now: datetime
) -> Outstanding | None:
    """What is still wrong with ``task`` now, or None when nothing is."""
    end = task.ends_at or task.due_at
    over = end is not None and end <= now
    if task.ends_at is not None and over:
        return None  # the shift is over: nothing left to fill or to chase
    open_places = max(task.capacity - task.filled, 0)
    working = sum(a.state in (AssignmentState.CHECKED_IN, AssignmentState.DONE) for a, _ in held)
    missing: list[str] = []
    if task.starts_at is not None and task.starts_at <= now and working < task.capacity:
        missing = [
            name
            for a, name in held
            if (a.state == AssignmentState.NO_SHOW and open_places)
            or (a.state == AssignmentState.CLAIMED and max(task.starts_at, a.claimed_at) + GRACE <= now)
        ]
    overdue = over and task.starts_at is None
    if not (open_places or missing or overdue):
        return None
    return Outstanding(task, open_places, list(dict.fromkeys(missing)), overdue, at, told)
