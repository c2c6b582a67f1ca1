"""What the simulated people know about the work: what each holds, and what is open in their team.

Volunteers know their own tasks (the bot's "my tasks") and the open ones (its task list); the simulation
reads the same facts from the database instead of parsing the bot's replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.models import ACTIVE_STATES, Assignment, AssignmentState, Place, Priority, Task, TaskStatus


@dataclass(frozen=True)
class Job:
    """A task as the simulation sees it."""

    id: int
    kind: str
    title: str
    team_id: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    due_at: datetime | None
    created_at: datetime
    capacity: int
    filled: int
    urgent: bool
    floors: int
    units: int
    household: bool

    @property
    def shift(self) -> bool:
        return self.starts_at is not None

    @property
    def begins(self) -> datetime:
        return self.starts_at or self.created_at

    @property
    def finishes(self) -> datetime:
        return self.ends_at or self.due_at or self.created_at + timedelta(days=1)

    def overlaps(self, other: Job) -> bool:
        return self.begins < other.finishes and other.begins < self.finishes


@dataclass(frozen=True)
class Holding:
    """A person's active slot of a job."""

    assignment_id: int
    person_id: int
    state: AssignmentState
    claimed_at: datetime
    job: Job


_JOB = (
    Task.id,
    Task.kind,
    Task.title,
    Task.team_id,
    Task.starts_at,
    Task.ends_at,
    Task.due_at,
    Task.created_at,
    Task.capacity,
    Task.filled,
    Task.priority,
    Place.floors,
    Place.units,
    Task.household_id,
)


def _job(row: Any) -> Job:
    return Job(
        row.id,
        row.kind,
        row.title,
        row.team_id,
        row.starts_at,
        row.ends_at,
        row.due_at,
        row.created_at,
        row.capacity,
        row.filled,
        row.priority == Priority.URGENT,
        int(row.floors or 0),
        int(row.units or 0),
        row.household_id is not None,
    )


def holdings(session: Session, community_id: int) -> list[Holding]:
    """Every active slot in the community, oldest first."""
    rows = session.execute(
        select(
            Assignment.id.label("assignment_id"),
            Assignment.person_id,
            Assignment.state,
            Assignment.claimed_at,
            *_JOB,
        )
        .join(Task, Task.id == Assignment.task_id)
        .outerjoin(Place, Place.id == Task.place_id)
        .where(Task.community_id == community_id, Assignment.state.in_(ACTIVE_STATES))
        .order_by(Assignment.id)
    ).all()
    return [Holding(r.assignment_id, r.person_id, r.state, r.claimed_at, _job(r)) for r in rows]


def open_jobs(session: Session, community_id: int, now: datetime, *, within: timedelta) -> list[Job]:
    """Open work with a free slot, not over, beginning or due within ``within``; by task number."""
    horizon = now + within
    rows = session.execute(
        select(*_JOB)
        .outerjoin(Place, Place.id == Task.place_id)
        .where(
            Task.community_id == community_id,
            Task.status.in_([TaskStatus.OPEN, TaskStatus.IN_PROGRESS]),
            Task.filled < Task.capacity,
            ((Task.starts_at.is_not(None)) & (Task.starts_at > now) & (Task.starts_at <= horizon))
            | ((Task.starts_at.is_(None)) & (Task.due_at > now) & (Task.due_at <= horizon)),
        )
        .order_by(Task.id)
    ).all()
    return [_job(r) for r in rows]


def job(session: Session, task_id: int) -> Job | None:
    row = session.execute(
        select(*_JOB).outerjoin(Place, Place.id == Task.place_id).where(Task.id == task_id)
    ).first()
    return _job(row) if row is not None else None
