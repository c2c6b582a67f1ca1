"""The assignment lifecycle: claim, check in, complete, release, no-show, reassign.

The slot mechanics are in ``slots``, who is told what in ``notices``; this module is the lifecycle
and its rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import AlreadyClaimed, CoordError, InvalidInput, InvalidTransition, NotAllowed
from coord.i18n import N_
from coord.kinds import CALL_KINDS, get_kind, validate_figures
from coord.models import (
    ACTIVE_STATES,
    Assignment,
    AssignmentState,
    Person,
    Task,
)
from coord.services.outbox.events import record_event
from coord.services.outbox.notifications import notify
from coord.services.people.access import Actor, can_lead, require_lead
from coord.services.work.notices import (
    private_key,
    private_text,
    send_private_details,
    tell_leads,
    tell_new_holder,
)
from coord.services.work.rules import (
    REASSIGNED_OUTSIDE,
    check_claimable,
    check_free_then,
    check_placeable,
    community_zone,
    done_from,
    done_refusal,
)
from coord.services.work.slots import (
    finish_work,
    free_slot,
    holding,
    move,
    move_held,
    refusal,
    start_work,
    take_slot,
)
from coord.services.work.tasks import CHECK_IN_EARLY, get_task

__all__ = [
    "assign",
    "cannot_complete",
    "check_in",
    "claim",
    "complete",
    "mark_no_show",
    "private_key",
    "private_text",
    "reassign",
    "release",
]


def claim(*, session: Session, actor: Actor, task_id: int, now: datetime | None = None) -> Assignment:
    """The acting person takes one slot of ``task_id``."""
    person = actor.require_person()
    moment = now or utcnow()
    task = get_task(session, task_id, community_id=person.community_id)
    check_claimable(session, task, person, moment)
    assignment = take_slot(session, task, person, actor=actor, action="claimed", assigned_by=None, now=moment)
    send_private_details(session, task, assignment, at=moment)
    _late_holder(session, task, assignment, moment)
    _requests_follow(session, task, done=False, now=moment)
    return assignment


def assign(
    *, session: Session, actor: Actor, task_id: int, person: Person, now: datetime | None = None
) -> Assignment:
    """A captain, coordinator or the auto-assigner gives a free slot of ``task_id`` to ``person``."""
    task = get_task(session, task_id)
    require_lead(session, actor, task.community_id, task.team_id)
    moment = now or utcnow()
    check_placeable(session, actor, task, person)
    check_claimable(session, task, person, moment, assigned=True)
    assignment = take_slot(
        session, task, person, actor=actor, action="assigned", assigned_by=actor.person_id, now=moment
    )
    tell_new_holder(session, task, assignment, at=moment)
    send_private_details(session, task, assignment, at=moment)
    _late_holder(session, task, assignment, moment)
    _requests_follow(session, task, done=False, now=moment)
    return assignment


def check_in(*, session: Session, actor: Actor, task_id: int, now: datetime | None = None) -> Assignment:
    """ "I'm at my post": the holder starts the work."""
    person = actor.require_person()
    task = get_task(session, task_id, community_id=person.community_id)
    not_held = N_("You have not claimed task #{task_id}, so you cannot check in.")
    moment = now or utcnow()
    if task.starts_at and moment < task.starts_at - CHECK_IN_EARLY:
        holding(session, task, person, not_held)
        raise InvalidTransition(
            N_("Task #{task_id} starts at {start}; check in when you are at the post."),
            task_id=task.id,
            start=_local(session, task, task.starts_at),
        )
    assignment = move_held(
        session, task, person, ACTIVE_STATES[:1], AssignmentState.CHECKED_IN, checked_in_at=moment
    )
    if assignment is None:
        raise refusal(holding(session, task, person, not_held))
    start_work(session, task)
    record_event(
        session,
        actor=actor,
        action="checked_in",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
    )
    return assignment


def complete(
    *,
    session: Session,
    actor: Actor,
    task_id: int,
    figures: dict[str, Any],
    note: str = "",
    person: Person | None = None,
    now: datetime | None = None,
) -> Assignment:
    """The holder (or their captain, naming ``person``) reports the work done with its figures."""
    task = get_task(session, task_id, community_id=actor.person.community_id if actor.person else None)
    holder = person or actor.require_person()
    on_behalf = actor.person is None or holder.id != actor.person.id
    if on_behalf and not can_lead(session, actor, task.community_id, task.team_id):
        raise NotAllowed(N_("Only the team's captain or a coordinator can report for someone else."))
    typed = validate_figures(get_kind(task.kind), figures)
    if on_behalf and not note.strip():
        raise InvalidInput(
            N_("Say why you record task #{task_id} done for {name}, so the record explains itself."),
            task_id=task.id,
            name=holder.name,
        )
    moment = now or utcnow()
    if task.starts_at is not None and moment < task.starts_at:  # a shift is done only once it has begun
        raise _not_finishable(session, task, holder, moment, on_behalf=on_behalf)
    done = dict(ended_at=moment, figures=typed, note=note.strip()[:1000])
    allowed = done_from(task, on_behalf=on_behalf)
    assignment = move_held(session, task, holder, allowed, AssignmentState.DONE, **done)
    if assignment is None:
        raise _not_finishable(session, task, holder, moment, on_behalf=on_behalf)
    finish_work(session, task, moment)
    record_event(
        session,
        actor=actor,
        action="completed",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
        figures=typed,
        **_behalf(on_behalf),
    )
    if task.kind in CALL_KINDS and task.household_id is not None:
        from coord.services.watch.calls import after_call

        after_call(session, task, assignment, now=moment)  # a fever turns it red; needs become work
    _requests_follow(session, task, done=True, now=moment)
    return assignment


def _requests_follow(
    session: Session, task: Task, *, done: bool, now: datetime, given_back: bool = False
) -> None:
    """Households' requests carried by delivery or purchase work move on when it is taken, given back or
    done."""
    if task.kind in ("delivery", "purchase"):
        from coord.services.requests.progress import work_moved

        work_moved(session, task, done=done, given_back=given_back, now=now)


def _behalf(on_behalf: bool) -> dict[str, Any]:
    """What a completion's event adds when a captain recorded it for the holder."""
    return {"on_behalf": True} if on_behalf else {}


def _not_finishable(
    session: Session, task: Task, holder: Person, moment: datetime, *, on_behalf: bool
) -> CoordError:
    """Why ``holder``'s slot of ``task`` cannot be reported done at ``moment``."""
    not_held = N_("You have not claimed task #{task_id}, so you cannot finish it.")
    if on_behalf:
        not_held = N_("{name} does not hold a slot of task #{task_id}.")
    held = holding(session, task, holder, not_held)
    zone = community_zone(session, task.community_id)
    return done_refusal(task, held.state, moment, on_behalf=on_behalf, zone=zone) or refusal(held)


def release(
    *, session: Session, actor: Actor, task_id: int, reason: str = "", now: datetime | None = None
) -> Assignment:
    """The holder gives their slot back before the work starts."""
    person = actor.require_person()
    task = get_task(session, task_id, community_id=person.community_id)
    not_held = N_("You do not hold a slot of task #{task_id}.")
    moment = now or utcnow()
    if task.starts_at and moment >= task.starts_at:
        holding(session, task, person, not_held)
        raise InvalidTransition(
            N_(
                "Task #{task_id} has started; if you cannot do it, say “can't complete” with a reason "
                "so your captain can find someone."
            ),
            task_id=task.id,
        )
    released = dict(ended_at=moment, note=reason.strip()[:1000])
    assignment = move_held(
        session, task, person, (AssignmentState.CLAIMED,), AssignmentState.RELEASED, **released
    )
    if assignment is None:
        raise refusal(holding(session, task, person, not_held))
    free_slot(session, task)
    record_event(
        session,
        actor=actor,
        action="released",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
        reason=reason,
    )
    _requests_follow(session, task, done=False, given_back=True, now=moment)
    return assignment


def cannot_complete(
    *, session: Session, actor: Actor, task_id: int, reason: str, now: datetime | None = None
) -> Assignment:
    """The holder cannot finish: the slot is freed and the captain is told at once."""
    person = actor.require_person()
    reason = reason.strip()
    if not reason:
        from coord.errors import InvalidInput

        raise InvalidInput(N_("Please say why you cannot complete it, so your captain can act."))
    task = get_task(session, task_id, community_id=person.community_id)
    moment = now or utcnow()
    released = dict(ended_at=moment, note=reason[:1000])
    assignment = move_held(session, task, person, ACTIVE_STATES, AssignmentState.RELEASED, **released)
    if assignment is None:
        raise refusal(holding(session, task, person, N_("You do not hold a slot of task #{task_id}.")))
    free_slot(session, task)
    record_event(
        session,
        actor=actor,
        action="cannot_complete",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
        reason=reason,
    )
    tell_leads(
        session,
        task,
        key=f"cannot:{assignment.id}",
        msgid=N_("{name} cannot complete task #{task_id} “{title}”: {reason}"),
        params={"name": person.name, "task_id": task.id, "title": task.title, "reason": reason},
        at=moment,
    )
    _requests_follow(session, task, done=False, given_back=True, now=moment)
    return assignment


def mark_no_show(
    *, session: Session, actor: Actor, task_id: int, person: Person, now: datetime | None = None
) -> Assignment:
    """The holder did not check in by the start: the slot is freed for someone else."""
    task = get_task(session, task_id, community_id=actor.person.community_id if actor.person else None)
    require_lead(session, actor, task.community_id, task.team_id)
    moment = now or utcnow()
    if task.starts_at is None or moment < task.starts_at:
        raise InvalidTransition(
            N_("Task #{task_id} has not started yet; nobody can be a no-show before the start."),
            task_id=task.id,
        )
    assignment = holding(session, task, person, N_("{name} does not hold a slot of task #{task_id}."))
    move(
        session,
        assignment,
        (AssignmentState.CLAIMED,),
        AssignmentState.NO_SHOW,
        ended_at=moment,
        refusal=refusal(assignment),
    )
    free_slot(session, task)
    record_event(
        session,
        actor=actor,
        action="no_show",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
    )
    notify(
        session,
        dedupe_key=f"noshow:{assignment.id}",
        community_id=task.community_id,
        person_id=person.id,
        task_id=task.id,
        msgid=N_(
            "You were marked as not at your post for task #{task_id} “{title}”. "
            "If this is wrong, tell your captain."
        ),
        params={"task_id": task.id, "title": task.title},
        at=moment,
    )
    return assignment


def reassign(
    *,
    session: Session,
    actor: Actor,
    task_id: int,
    from_person: Person,
    to_person: Person,
    now: datetime | None = None,
) -> Assignment:
    """A captain (within the team) or coordinator (within the community) hands a slot to someone else."""
    task = get_task(session, task_id, community_id=actor.person.community_id if actor.person else None)
    require_lead(session, actor, task.community_id, task.team_id)
    check_placeable(session, actor, task, to_person, refused=REASSIGNED_OUTSIDE)
    if from_person.id == to_person.id:
        raise InvalidTransition(N_("{name} already holds this task."), name=to_person.name)
    moment = now or utcnow()
    check_free_then(session, task, to_person, moment)
    old = holding(session, task, from_person, N_("{name} does not hold a slot of task #{task_id}."))
    move(session, old, ACTIVE_STATES, AssignmentState.REASSIGNED, ended_at=moment, refusal=refusal(old))
    new = Assignment(
        task_id=task.id, person_id=to_person.id, assigned_by_id=actor.person_id, claimed_at=moment
    )
    try:
        with session.begin_nested():
            session.add(new)
            session.flush()
    except IntegrityError:
        raise AlreadyClaimed(
            N_("{name} already holds a slot of task #{task_id}."), name=to_person.name, task_id=task.id
        ) from None
    record_event(
        session,
        actor=actor,
        action="reassigned",
        community_id=task.community_id,
        assignment=new,
        at=moment,
        from_person=from_person.id,
        to_person=to_person.id,
        previous_assignment=old.id,
    )
    notify(
        session,
        dedupe_key=f"reassigned-away:{old.id}",
        community_id=task.community_id,
        person_id=from_person.id,
        task_id=task.id,
        msgid=N_("Task #{task_id} “{title}” has been handed to someone else by your captain. Thank you."),
        params={"task_id": task.id, "title": task.title},
        at=moment,
    )
    tell_new_holder(session, task, new, at=moment)
    send_private_details(session, task, new, at=moment)
    _late_holder(session, task, new, moment)
    return new


def _late_holder(session: Session, task: Task, assignment: Assignment, moment: datetime) -> None:
    """A slot taken after the start: its holder's grace counts from now (the no-show rungs wait for it)."""
    if task.starts_at is not None and moment > task.starts_at:
        from coord.services.escalation.climb import rewind_for_late_holder

        rewind_for_late_holder(session, task, assignment, moment)


def _local(session: Session, task: Task, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(community_zone(session, task.community_id))).strftime("%H:%M")
