"""The record of every read of private details (DESIGN.md invariant 9): who, when, what, which channel.

``record_read`` is the one function every read goes through: a household shown, listed or found (chat,
CLI, board), a task's private details in a chat reply, the direct message a worker sends a holder, a
person's phone, an export. It writes one ``PrivateRead`` row per household (or one row for a task or a
person), and the event of the read. Coordinators list the reads of a household, or by a person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session, aliased

from coord.models import Household, Person, PrivateRead
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_coordinator

#: The channel of a direct message a worker sends (the reader is its addressee).
DIRECT_MESSAGE = "direct_message"
EXPORT = "export"
MAX_LISTED = 50


def record_read(
    session: Session,
    *,
    actor: Actor,
    community_id: int,
    what: str,
    at: datetime,
    households: Iterable[int] = (),
    task_id: int | None = None,
    person_id: int | None = None,
    reader_id: int | None = None,
    channel: str | None = None,
    action: str | None = None,
    **data: Any,
) -> None:
    """Record that private details were read.

    Parameters: ``what`` names the read (household, watch_list, search, task, phone, export); the reader is
    ``reader_id`` when given (the addressee of a worker's direct message), else the actor; the channel is
    ``channel`` when given, else the actor's. ``action`` is the event's name (``<what>_read`` by default);
    ``data`` goes into the event."""
    ids: list[int | None] = list(dict.fromkeys(households))
    reader = reader_id if reader_id is not None else actor.person_id
    through = (channel or actor.channel)[:20]
    rows = [
        {
            "community_id": community_id,
            "at": at,
            "reader_id": reader,
            "channel": through,
            "what": what,
            "household_id": household_id,
            "task_id": task_id,
            "person_id": person_id,
        }
        for household_id in (ids or [None])
    ]
    session.execute(insert(PrivateRead), rows)
    details: dict[str, Any] = dict(data)
    if len(ids) > 1:
        details["households"] = ids
    elif ids:
        details["household_id"] = ids[0]
    if task_id is not None:
        details["task_read"] = task_id
    if channel is not None:
        details["via"] = through
    record_event(
        session,
        actor=actor,
        action=action or f"{what}_read",
        community_id=community_id,
        at=at,
        subject_id=person_id,
        **details,
    )


@dataclass(frozen=True)
class ReadLine:
    """One read, as a coordinator sees it."""

    at: datetime
    reader: str  # a name, or "" for the operator's CLI
    channel: str
    what: str
    household: str  # an address, or ""
    task_id: int | None
    person: str  # whose phone, or ""


def reads_of_household(
    session: Session, *, actor: Actor, household: Household, limit: int = MAX_LISTED
) -> list[ReadLine]:
    """The latest reads of ``household``'s private details (and of its tasks'), newest first."""
    require_coordinator(session, actor, household.community_id)
    return _lines(session, PrivateRead.household_id == household.id, limit)


def reads_by_person(
    session: Session, *, actor: Actor, person: Person, limit: int = MAX_LISTED
) -> list[ReadLine]:
    """The latest reads ``person`` made, and the reads of their own phone, newest first."""
    require_coordinator(session, actor, person.community_id)
    return _lines(session, or_(PrivateRead.reader_id == person.id, PrivateRead.person_id == person.id), limit)


def _lines(session: Session, condition: Any, limit: int) -> list[ReadLine]:
    reader, subject = aliased(Person), aliased(Person)
    rows = session.execute(
        select(PrivateRead, reader.name, subject.name, Household)
        .outerjoin(reader, reader.id == PrivateRead.reader_id)
        .outerjoin(subject, subject.id == PrivateRead.person_id)
        .outerjoin(Household, Household.id == PrivateRead.household_id)
        .where(condition)
        .order_by(PrivateRead.at.desc(), PrivateRead.id.desc())
        .limit(limit)
    ).all()
    return [
        ReadLine(
            at=read.at,
            reader=reader_name or "",
            channel=read.channel,
            what=read.what,
            household=household.address if household is not None else "",
            task_id=read.task_id,
            person=subject_name or "",
        )
        for read, reader_name, subject_name, household in rows
    ]
