"""On behalf: a captain (or coordinator) records a check-in for a member of their team, with the reason.

Done on someone's behalf is ``coord.services.work.claims.complete`` with ``person`` and a note (its one rule);
this is its counterpart for the check-in, for a volunteer with no phone at the post or a paper sign-in sheet.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, InvalidTransition, NotAllowed
from coord.i18n import N_
from coord.models import AssignmentState, Community, Person
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, can_lead
from coord.services.work.slots import holding, move_held, start_work
from coord.services.work.tasks import CHECK_IN_EARLY, get_task


def check_in_for(
    *,
    session: Session,
    actor: Actor,
    task_id: int,
    person: Person,
    reason: str,
    at: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Check ``person`` in for ``task_id`` (at ``at``, default now), recorded as done on their behalf."""
    task = get_task(session, task_id, community_id=actor.person.community_id if actor.person else None)
    if not can_lead(session, actor, task.community_id, task.team_id):
        raise NotAllowed(N_("Only the team's captain or a coordinator can check someone in."))
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(
            N_("Say why you check {name} in for task #{task_id}, so the record explains itself."),
            name=person.name,
            task_id=task.id,
        )
    moment = now or utcnow()
    when = at or moment
    community = session.get(Community, task.community_id)
    zone = ZoneInfo(community.timezone if community else "UTC")
    if when > moment:
        raise InvalidInput(
            N_("{when} is in the future: a check-in is recorded once it has happened."),
            when=when.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        )
    if task.starts_at and when < task.starts_at - CHECK_IN_EARLY:
        raise InvalidTransition(
            N_("Task #{task_id} starts at {start}; a check-in cannot be earlier."),
            task_id=task.id,
            start=task.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        )
    not_held = N_("{name} does not hold a slot of task #{task_id}.")
    slot = move_held(
        session, task, person, (AssignmentState.CLAIMED,), AssignmentState.CHECKED_IN, checked_in_at=when
    )
    if slot is None:
        held = holding(session, task, person, not_held)
        raise InvalidTransition(
            N_("{name} is already checked in or finished for task #{task_id}."),
            name=person.name,
            task_id=held.task_id,
        )
    start_work(session, task)
    record_event(
        session,
        actor=actor,
        action="checked_in",
        community_id=task.community_id,
        assignment=slot,
        at=moment,
        on_behalf=True,
        reason=reason[:500],
        checked_in_at=when.isoformat(),
    )
