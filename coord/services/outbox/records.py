"""Writing the event log and the notification outbox, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.models import Assignment, Event, Notification, NotificationStatus, Task
from coord.services.people.access import Actor


def record_event(
    session: Session,
    *,
    actor: Actor,
    action: str,
    community_id: int,
    task: Task | None = None,
    assignment: Assignment | None = None,
    subject_id: int | None = None,
    at: Any = None,
    **data: Any,
) -> None:
    """Append one event: who, when, what, from which channel."""
    if subject_id is None and assignment is not None:
        subject_id = assignment.person_id
    values = {
        "community_id": community_id,
        "at": at or utcnow(),
        "actor_id": actor.person_id,
        "channel": actor.channel,
        "action": action,
        "task_id": task.id if task else (assignment.task_id if assignment else None),
        "assignment_id": assignment.id if assignment else None,
        "subject_id": subject_id,
        "data": data,
    }
    _core(session).execute(_NEW_EVENT, values)


# Built once: a statement built per call costs more client CPU than sending it.
_NEW_EVENT = insert(Event)
_NEW_NOTIFICATION = {
    "postgresql": postgresql.insert(Notification)
    .on_conflict_do_nothing(index_elements=["dedupe_key"])
    .returning(Notification.id),
    "sqlite": sqlite.insert(Notification)
    .on_conflict_do_nothing(index_elements=["dedupe_key"])
    .returning(Notification.id),
}


def _core(session: Session) -> Connection:
    """The session's connection, for plain inserts that need none of the ORM's bookkeeping.

    Pending objects are flushed first, so an event or notification may refer to them.
    """
    if session.new:
        session.flush()
    return session.connection()


def notify(
    session: Session,
    *,
    dedupe_key: str,
    community_id: int,
    msgid: str,
    params: dict[str, Any] | None = None,
    person_id: int | None = None,
    team_id: int | None = None,
    task_id: int | None = None,
    private: bool = False,
    buttons: list[Any] | None = None,
    at: Any = None,
) -> bool:
    """Queue a message for delivery after commit; a second call with the same key does nothing.

    Returns True when the notification is new.
    """
    if (person_id is None) == (team_id is None):
        raise ValueError("a notification goes to exactly one person or one team")
    if private and person_id is None:
        raise ValueError("private details go to a person by direct message, never to a team chat")
    values = {
        "dedupe_key": dedupe_key,
        "community_id": community_id,
        "msgid": msgid,
        "params": params or {},
        "person_id": person_id,
        "team_id": team_id,
        "task_id": task_id,
        "private": private,
        "buttons": buttons or [],
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": at or utcnow(),
        "created_at": utcnow(),
        "last_error": "",
    }
    stmt = _NEW_NOTIFICATION.get(session.get_bind().dialect.name)
    if stmt is None:  # pragma: no cover - only the two supported databases
        if session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
            return False
        stmt = insert(Notification).returning(Notification.id)
    # RETURNING tells reliably whether a row was written (rowcount is -1 on some drivers).
    new_id = _core(session).execute(stmt, values).scalar_one_or_none()
    return new_id is not None


def mark_sent(session: Session, *, dedupe_key: str, now: datetime) -> bool:
    """Settle a notification already delivered another way (a chat reply carried it), so it is not sent twice.

    Returns True when a waiting notification was settled.
    """
    settled = _core(session).execute(_SETTLE, {"key": dedupe_key, "settled_at": now}).first()
    return settled is not None


_SETTLE = (
    update(Notification)
    .where(
        Notification.dedupe_key == bindparam("key"),
        Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.FAILED]),
    )
    .values(
        status=NotificationStatus.SENT,
        sent_at=bindparam("settled_at"),
        last_error="delivered in the chat reply",
    )
    .returning(Notification.id)
)
