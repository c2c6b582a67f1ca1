"""The event log: every change of state appended as who, when, what, from which channel (invariant 6).

``event_row`` says what one event holds; ``record_event`` and ``record_events`` are the only writers,
both in the caller's transaction and at the caller's moment (the injected clock, never the wall clock).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from coord.models import Assignment, Event, Task

if TYPE_CHECKING:  # only named in hints: people's modules write events, so a real import would be a cycle
    from coord.services.people.access import Actor


def event_row(
    *,
    actor: Actor,
    action: str,
    community_id: int,
    at: datetime,
    task: Task | None = None,
    task_id: int | None = None,
    assignment: Assignment | None = None,
    subject_id: int | None = None,
    **data: Any,
) -> dict[str, Any]:
    """The values of one event row."""
    if subject_id is None and assignment is not None:
        subject_id = assignment.person_id
    if task_id is None:
        task_id = task.id if task else (assignment.task_id if assignment else None)
    return {
        "community_id": community_id,
        "at": at,
        "actor_id": actor.person_id,
        "channel": actor.channel,
        "action": action,
        "task_id": task_id,
        "assignment_id": assignment.id if assignment else None,
        "subject_id": subject_id,
        "data": data,
    }


def record_event(
    session: Session,
    *,
    actor: Actor,
    action: str,
    community_id: int,
    at: datetime,
    task: Task | None = None,
    assignment: Assignment | None = None,
    subject_id: int | None = None,
    **data: Any,
) -> None:
    """Append one event: who, when, what, from which channel."""
    row = event_row(
        actor=actor,
        action=action,
        community_id=community_id,
        at=at,
        task=task,
        assignment=assignment,
        subject_id=subject_id,
        **data,
    )
    core_connection(session).execute(_NEW_EVENT, row)


def record_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append many events (rows built by ``event_row``) in one statement."""
    if rows:
        core_connection(session).execute(_NEW_EVENT, list(rows))


_NEW_EVENT = insert(Event)  # built once: a statement built per call costs more CPU than sending it


def core_connection(session: Session) -> Connection:
    """The session's connection, for plain inserts that need none of the ORM's bookkeeping.

    Pending objects are flushed first, so an event or notification may refer to them.
    """
    if session.new:
        session.flush()
    return session.connection()
