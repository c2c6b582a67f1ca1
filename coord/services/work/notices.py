"""Who is told what about a task: its private details for the assignee alone, alerts for its leads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.i18n import N_
from coord.models import Assignment, Household, Place, Task
from coord.payloads import button
from coord.services.outbox.notifications import notify
from coord.services.people.access import Actor
from coord.services.people.people import captains_of, coordinators_of
from coord.services.privacy.reads import DIRECT_MESSAGE, record_read

PRIVATE_DETAILS = N_("You have task #{task_id} “{title}”. Details for you only: {details}")
GIVEN = N_(
    "You have been given task #{task_id} “{title}”. If you cannot do it, press Give back "
    "and your captain finds someone else."
)


def tell_new_holder(session: Session, task: Task, assignment: Assignment, *, at: datetime) -> None:
    """Whoever is given a slot by someone else (a captain, a coordinator) is told, with the task to open."""
    notify(
        session,
        dedupe_key=f"given:{assignment.id}",
        community_id=task.community_id,
        person_id=assignment.person_id,
        task_id=task.id,
        msgid=GIVEN,
        params={"task_id": task.id, "title": task.title},
        buttons=[
            [
                button(N_("Show task"), "task", task_id=task.id),
                button(N_("Give back"), "release", task_id=task.id),
            ]
        ],
        at=at,
    )


def send_private_details(session: Session, task: Task, assignment: Assignment, *, at: datetime) -> None:
    """Address, phone and health details, if the task has any, go to the assignee alone by direct message."""
    message = private_details_message(session, task, assignment)
    if message is not None:
        notify(session, **message, at=at)
        record_task_read(session, task, Actor.system(DIRECT_MESSAGE), at=at, reader_id=assignment.person_id)


def record_task_read(
    session: Session, task: Task, actor: Actor, *, at: datetime, reader_id: int | None = None
) -> None:
    """A task's private details were read (shown in a chat, or sent to its holder by direct message)."""
    record_read(
        session,
        actor=actor,
        community_id=task.community_id,
        what="task",
        at=at,
        households=[task.household_id] if task.household_id is not None else [],
        task_id=task.id,
        reader_id=reader_id,
        channel=DIRECT_MESSAGE if actor.channel == DIRECT_MESSAGE else None,
    )


def private_details_message(session: Session, task: Task, assignment: Assignment) -> dict[str, Any] | None:
    """The outbox message carrying the task's private details to ``assignment``'s holder alone, or None
    when the task has none."""
    if not task.has_private_details:
        return None
    return {
        "dedupe_key": private_key(assignment),
        "community_id": task.community_id,
        "person_id": assignment.person_id,
        "task_id": task.id,
        "private": True,
        "msgid": PRIVATE_DETAILS,
        "params": {"task_id": task.id, "title": task.title, "details": private_text(session, task)},
    }


def private_key(assignment: Assignment) -> str:
    """The outbox key of the direct message carrying an assignment's private details."""
    return f"private:{assignment.id}"


def private_text(session: Session, task: Task) -> str:
    """The task's private details and its household's address and contact, in one line."""
    if task.details_purged_at is not None:  # retention purged them (coord.services.privacy.retention)
        return "—"
    parts = [task.private_details] if task.private_details else []
    if task.household_id is not None:
        row = session.execute(
            select(Place.name, Household.unit, Household.room, Household.contact_name, Household.phone)
            .join(Place, Place.id == Household.building_id)
            .where(Household.id == task.household_id)
        ).one_or_none()
        if row is not None:
            address = "-".join(p for p in (row.name, row.unit, row.room) if p)
            parts.append(" ".join(p for p in (address, row.contact_name, row.phone) if p))
    return "; ".join(parts) or "—"


def tell_leads(
    session: Session,
    task: Task,
    *,
    key: str,
    msgid: str,
    params: dict[str, Any],
    at: datetime,
    coordinators: bool = False,
) -> None:
    """A direct message to the task's captains (and coordinators, or them alone when the team has none)."""
    people = captains_of(session, task.team_id) if task.team_id else []
    if coordinators or not people:
        people = [*people, *coordinators_of(session, task.community_id)]
    for person_id in dict.fromkeys(people):
        notify(
            session,
            dedupe_key=f"{key}:{person_id}",
            community_id=task.community_id,
            person_id=person_id,
            task_id=task.id,
            msgid=msgid,
            params=params,
            at=at,
        )
