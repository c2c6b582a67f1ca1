"""The notification outbox: messages written in the caller's transaction, delivered after commit.

``notification_row`` checks and fills one message; ``notify`` and ``notify_many`` are the only writers.
A message's ``dedupe_key`` is unique: writing the same message again does nothing (invariant 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from coord.db import insert_new
from coord.models import Notification, NotificationStatus
from coord.services.outbox.events import core_connection


def notification_row(
    *,
    dedupe_key: str,
    community_id: int,
    msgid: str,
    now: datetime,
    params: dict[str, Any] | None = None,
    person_id: int | None = None,
    team_id: int | None = None,
    task_id: int | None = None,
    private: bool = False,
    buttons: list[Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The values of one outbox row, sent at ``at`` (``now`` when not given)."""
    if (person_id is None) == (team_id is None):
        raise ValueError("a notification goes to exactly one person or one team")
    if private and person_id is None:
        raise ValueError("private details go to a person by direct message, never to a team chat")
    return {
        "dedupe_key": dedupe_key,
        "community_id": community_id,
        "msgid": msgid,
        "params": params or {},
        "person_id": person_id,
        "team_id": team_id,
        "task_id": task_id,
        "private": private,
        "buttons": buttons or [],
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": at or now,
        "created_at": now,
        "last_error": "",
    }


def notify(
    session: Session,
    *,
    dedupe_key: str,
    community_id: int,
    msgid: str,
    at: datetime,
    params: dict[str, Any] | None = None,
    person_id: int | None = None,
    team_id: int | None = None,
    task_id: int | None = None,
    private: bool = False,
    buttons: list[Any] | None = None,
) -> bool:
    """Queue a message for delivery after commit, written and due at ``at``; a second call with the same key
    does nothing. Returns True when the notification is new."""
    row = notification_row(
        dedupe_key=dedupe_key,
        community_id=community_id,
        msgid=msgid,
        now=at,
        params=params,
        person_id=person_id,
        team_id=team_id,
        task_id=task_id,
        private=private,
        buttons=buttons,
    )
    statement = insert_new(session, Notification, unique=["dedupe_key"]).returning(Notification.id)
    # RETURNING tells reliably whether a row was written (rowcount is -1 on some drivers).
    return core_connection(session).execute(statement, row).scalar_one_or_none() is not None


def notify_many(session: Session, messages: Sequence[dict[str, Any]], *, now: datetime) -> None:
    """Queue every message (keyword arguments of ``notification_row``); an existing dedupe key is skipped."""
    if messages:
        rows = [notification_row(now=now, **message) for message in messages]
        core_connection(session).execute(insert_new(session, Notification, unique=["dedupe_key"]), rows)


def mark_sent(session: Session, *, dedupe_key: str, now: datetime) -> bool:
    """Settle a notification already delivered another way (a chat reply carried it), so it is not sent twice.

    Returns True when a waiting notification was settled.
    """
    settled = core_connection(session).execute(_SETTLE, {"key": dedupe_key, "settled_at": now}).first()
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
