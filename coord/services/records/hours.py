"""Hours served: confirmed from the shift window, or corrected by the captain (an event with the old and new
value); and the community's start date, from which "since the start" counts.

A slot's hours are ``Assignment.hours`` when set, else from check-in to done
(``coord.services.reporting.counts``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from coord.i18n import N_
from coord.models import Assignment, AssignmentState, Community, Person, Task
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, can_lead, require_coordinator
from coord.services.reporting.summary import revise_summaries
from coord.services.work.tasks import get_task

MAX_HOURS = 24.0


def hours_served(slot: Assignment) -> float | None:
    """A slot's hours: as set, else from check-in to its end; None when nothing says."""
    if slot.hours is not None:
        return slot.hours
    if slot.checked_in_at is not None and slot.ended_at is not None:
        return round((slot.ended_at - slot.checked_in_at).total_seconds() / 3600, 2)
    return None


def confirm_shift_hours(
    *, session: Session, actor: Actor, task_id: int, person: Person, now: datetime | None = None
) -> float:
    """The captain confirms ``person`` served the whole shift window: its length becomes their hours."""
    task, slot = _finished_slot(session, actor, task_id, person)
    if task.starts_at is None or task.ends_at is None:
        raise InvalidInput(
            N_("Task #{task_id} has no shift window to confirm; give the hours instead."), task_id=task.id
        )
    hours = round((task.ends_at - task.starts_at).total_seconds() / 3600, 2)
    _set_hours(session, actor, task, slot, hours, "hours_confirmed", "", now or utcnow())
    return hours


def correct_hours(
    *,
    session: Session,
    actor: Actor,
    task_id: int,
    person: Person,
    hours: float,
    reason: str,
    now: datetime | None = None,
) -> float | None:
    """The captain corrects ``person``'s hours for ``task_id``; returns the old value (None: none known)."""
    task, slot = _finished_slot(session, actor, task_id, person)
    if not 0 <= hours <= MAX_HOURS:
        raise InvalidInput(N_("{hours} hours in one day cannot be right: a day has at most 24."), hours=hours)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(N_("Say why the hours change, so the record explains itself."))
    old = hours_served(slot)
    _set_hours(session, actor, task, slot, round(hours, 2), "hours_corrected", reason, now or utcnow())
    return old


def _finished_slot(session: Session, actor: Actor, task_id: int, person: Person) -> tuple[Task, Assignment]:
    task = get_task(session, task_id, community_id=actor.person.community_id if actor.person else None)
    if not can_lead(session, actor, task.community_id, task.team_id):
        raise NotAllowed(N_("Only the team's captain or a coordinator can change someone's hours."))
    slot = session.scalar(
        select(Assignment)
        .where(Assignment.task_id == task.id, Assignment.person_id == person.id)
        .order_by(Assignment.id.desc())
        .limit(1)
    )
    if slot is None:
        raise NotFound(N_("{name} has no part in task #{task_id}."), name=person.name, task_id=task.id)
    if slot.state != AssignmentState.DONE:
        raise InvalidTransition(
            N_("{name} has not finished task #{task_id} yet: hours are set once it is done."),
            name=person.name,
            task_id=task.id,
        )
    return task, slot


def _set_hours(
    session: Session,
    actor: Actor,
    task: Task,
    slot: Assignment,
    hours: float,
    action: str,
    reason: str,
    moment: datetime,
) -> None:
    old = hours_served(slot)
    slot.hours = hours
    session.flush()
    record_event(
        session,
        actor=actor,
        action=action,
        community_id=task.community_id,
        assignment=slot,
        at=moment,
        old=old,
        new=hours,
        reason=reason,
    )
    community = session.get(Community, task.community_id)
    if community is not None and slot.ended_at is not None:
        revise_summaries(session, community, since=slot.ended_at)


def set_start_date(
    *, session: Session, actor: Actor, community: Community, day: date | None, now: datetime | None = None
) -> None:
    """The community's first day of work (None: count from its first task), by a coordinator."""
    require_coordinator(session, actor, community.id)
    moment = now or utcnow()
    if day is not None and day > moment.date():
        raise InvalidInput(N_("The start date cannot be in the future."))
    old = community.started_on
    community.started_on = day
    session.flush()
    record_event(
        session,
        actor=actor,
        action="start_date_set",
        community_id=community.id,
        at=moment,
        old=old.isoformat() if old else None,
        new=day.isoformat() if day else None,
    )
