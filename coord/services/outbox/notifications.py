"""The notification outbox: messages written in the caller's transaction, delivered after commit.

``notification_row`` checks and fills one message; ``notify`` and ``notify_many`` are the only writers.
A message's ``dedupe_key`` is unique: writing the same message again does nothing (invariant 2).

A chat reply may carry a notification (a claim's private details): ``hold_for_reply`` keeps delivery off
it for a short lease, the adapter confirms the send with ``settle_reply`` (or gives it back with
``release_reply``); unconfirmed, a worker sends it after the lease, marked as a repeat (invariant 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
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
    repeat_until: datetime | None = None,
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
        "sending_since": None,
        "repeated": False,
        "repeat_until": repeat_until,
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
    repeat_until: datetime | None = None,
) -> bool:
    """Queue a message for delivery after commit, written and due at ``at``; a second call with the same key
    does nothing. Returns True when the notification is new. A reminder or alert names ``repeat_until``:
    a send of it whose outcome a crash left unknown is not repeated after that moment."""
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
        repeat_until=repeat_until,
    )
    statement = insert_new(session, Notification, unique=["dedupe_key"]).returning(Notification.id)
    # RETURNING tells reliably whether a row was written (rowcount is -1 on some drivers).
    return core_connection(session).execute(statement, row).scalar_one_or_none() is not None


def notify_many(session: Session, messages: Sequence[dict[str, Any]], *, now: datetime) -> None:
    """Queue every message (keyword arguments of ``notification_row``); an existing dedupe key is skipped."""
    if messages:
        rows = [notification_row(now=now, **message) for message in messages]
        core_connection(session).execute(insert_new(session, Notification, unique=["dedupe_key"]), rows)


#: How long a reminder or alert is worth repeating when a crash left its first send's outcome unknown.
TIMELY_FOR = timedelta(minutes=10)

#: How long delivery leaves a notification to the chat reply that carries it before a worker sends it.
REPLY_LEASE = timedelta(seconds=30)

_RETRYABLE = [NotificationStatus.PENDING, NotificationStatus.FAILED]


def hold_for_reply(
    session: Session, *, dedupe_key: str, now: datetime, lease: timedelta = REPLY_LEASE
) -> bool:
    """A chat reply is about to carry this notification: delivery leaves it alone for ``lease``.

    The send counts as under way (``sending_since``): if the adapter does not confirm it (``settle_reply``)
    in time, a worker sends it, marked as a repeat, since the reply may or may not have gone out.
    Returns True when a waiting notification was held.
    """
    held = (
        core_connection(session)
        .execute(_HOLD, {"key": dedupe_key, "since": now, "until": now + lease})
        .first()
    )
    return held is not None


def settle_reply(session: Session, *, dedupe_key: str, now: datetime) -> bool:
    """The chat reply carrying this notification went out: it is sent, and never sent again."""
    settled = core_connection(session).execute(_SETTLE, {"key": dedupe_key, "settled_at": now}).first()
    return settled is not None


def release_reply(session: Session, *, dedupe_key: str, now: datetime) -> bool:
    """The chat reply carrying this notification could not be sent: delivery takes it over at once."""
    released = core_connection(session).execute(_RELEASE, {"key": dedupe_key, "now": now}).first()
    return released is not None


_HOLD = (
    update(Notification)
    .where(Notification.dedupe_key == bindparam("key"), Notification.status.in_(_RETRYABLE))
    .values(sending_since=bindparam("since"), next_attempt_at=bindparam("until"))
    .returning(Notification.id)
)

_SETTLE = (
    update(Notification)
    .where(Notification.dedupe_key == bindparam("key"), Notification.status.in_(_RETRYABLE))
    .values(
        status=NotificationStatus.SENT,
        sent_at=bindparam("settled_at"),
        sending_since=None,
        last_error="delivered in the chat reply",
    )
    .returning(Notification.id)
)

_RELEASE = (
    update(Notification)
    .where(
        Notification.dedupe_key == bindparam("key"),
        Notification.status.in_(_RETRYABLE),
        Notification.sending_since.is_not(None),
    )
    .values(sending_since=None, next_attempt_at=bindparam("now"), last_error="the chat reply did not go out")
    .returning(Notification.id)
)
