"""The assignment lifecycle: claim, check in, complete, release, no-show, reassign.

Every transition is a conditional UPDATE on the row's current state, so two people (or a
person and a worker) acting at once can never both move the same slot.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from coord.clock import utcnow
from coord.errors import AlreadyClaimed, InvalidTransition, NotAllowed, NotFound, TaskFull
from coord.i18n import N_
from coord.kinds import get_kind, validate_figures
from coord.models import (
    ACTIVE_STATES,
    HOLDING_STATES,
    Assignment,
    AssignmentState,
    Community,
    HealthDeclaration,
    Household,
    Person,
    Place,
    Task,
    TaskStatus,
)
from coord.services.access import Actor, can_lead, is_member, require_lead
from coord.services.records import notify, record_event
from coord.services.tasks import CHECK_IN_EARLY, get_task

CLAIMABLE = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


def claim(*, session: Session, actor: Actor, task_id: int, now: datetime | None = None) -> Assignment:
    """The acting person takes one slot of ``task_id``."""
    person = actor.require_person()
    task = get_task(session, task_id, community_id=person.community_id)
    moment = now or utcnow()
    _check_claimable(session, task, person, moment)
    assignment = _take_slot(session, task, person, assigned_by=None, now=moment)
    record_event(
        session,
        actor=actor,
        action="claimed",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
    )
    _send_private_details(session, task, assignment, at=moment)
    return assignment


def assign(
    *, session: Session, actor: Actor, task_id: int, person: Person, now: datetime | None = None
) -> Assignment:
    """A captain, coordinator or the auto-assigner gives a free slot of ``task_id`` to ``person``."""
    task = get_task(session, task_id)
    require_lead(session, actor, task.community_id, task.team_id)
    moment = now or utcnow()
    if person.community_id != task.community_id or not person.active:
        raise NotAllowed(N_("{name} cannot take work in this community."), name=person.name)
    _check_claimable(session, task, person, moment, declaration_needed=False)
    assignment = _take_slot(session, task, person, assigned_by=actor.person_id, now=moment)
    record_event(
        session,
        actor=actor,
        action="assigned",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
    )
    _send_private_details(session, task, assignment, at=moment)
    return assignment


def check_in(*, session: Session, actor: Actor, task_id: int, now: datetime | None = None) -> Assignment:
    """ "I'm at my post": the holder starts the work."""
    person = actor.require_person()
    task = get_task(session, task_id, community_id=person.community_id)
    assignment = _holding(
        session, task, person, N_("You have not claimed task #{task_id}, so you cannot check in.")
    )
    moment = now or utcnow()
    if task.starts_at and moment < task.starts_at - CHECK_IN_EARLY:
        raise InvalidTransition(
            N_("Task #{task_id} starts at {start}; check in when you are at the post."),
            task_id=task.id,
            start=_local(session, task, task.starts_at),
        )
    _move(
        session,
        assignment,
        ACTIVE_STATES[:1],
        AssignmentState.CHECKED_IN,
        checked_in_at=moment,
        refusal=_refusal(assignment),
    )
    session.execute(
        update(Task)
        .where(Task.id == task.id, Task.status.in_([TaskStatus.OPEN, TaskStatus.FULL]))
        .values(status=TaskStatus.IN_PROGRESS)
        .execution_options(synchronize_session=False)
    )
    session.refresh(task)
    _stop_escalation(session, task)
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
    if holder is not actor.person and not can_lead(session, actor, task.community_id, task.team_id):
        raise NotAllowed(N_("Only the team's captain or a coordinator can report for someone else."))
    kind = get_kind(task.kind)
    typed = validate_figures(kind, figures)
    assignment = _holding(
        session, task, holder, N_("You have not claimed task #{task_id}, so you cannot finish it.")
    )
    allowed = (AssignmentState.CHECKED_IN,) if kind.needs_check_in else ACTIVE_STATES
    if assignment.state == AssignmentState.CLAIMED and kind.needs_check_in:
        raise InvalidTransition(
            N_("Check in at your post first, then report task #{task_id} done."), task_id=task.id
        )
    moment = now or utcnow()
    _move(
        session,
        assignment,
        allowed,
        AssignmentState.DONE,
        ended_at=moment,
        figures=typed,
        note=note.strip()[:1000],
        refusal=_refusal(assignment),
    )
    still_working = session.scalar(
        select(exists().where(Assignment.task_id == task.id, Assignment.state.in_(ACTIVE_STATES)))
    )
    if not still_working:
        session.execute(
            update(Task)
            .where(Task.id == task.id, Task.status.not_in([TaskStatus.DONE, TaskStatus.CANCELLED]))
            .values(
                status=TaskStatus.DONE, escalation_due_at=None, escalation_token=Task.escalation_token + 1
            )
            .execution_options(synchronize_session=False)
        )
        session.refresh(task)
    record_event(
        session,
        actor=actor,
        action="completed",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
        figures=typed,
    )
    if task.kind == "checkin_call" and task.household_id is not None:
        from coord.services.households import after_checkin_call

        after_checkin_call(session, task, assignment, now=moment)
    return assignment


def release(
    *, session: Session, actor: Actor, task_id: int, reason: str = "", now: datetime | None = None
) -> Assignment:
    """The holder gives their slot back before the work starts."""
    person = actor.require_person()
    task = get_task(session, task_id, community_id=person.community_id)
    assignment = _holding(session, task, person, N_("You do not hold a slot of task #{task_id}."))
    moment = now or utcnow()
    if task.starts_at and moment >= task.starts_at:
        raise InvalidTransition(
            N_(
                "Task #{task_id} has started; if you cannot do it, say “can't complete” with a reason "
                "so your captain can find someone."
            ),
            task_id=task.id,
        )
    _move(
        session,
        assignment,
        (AssignmentState.CLAIMED,),
        AssignmentState.RELEASED,
        ended_at=moment,
        note=reason.strip()[:1000],
        refusal=_refusal(assignment),
    )
    _free_slot(session, task)
    record_event(
        session,
        actor=actor,
        action="released",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
        reason=reason,
    )
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
    assignment = _holding(session, task, person, N_("You do not hold a slot of task #{task_id}."))
    moment = now or utcnow()
    _move(
        session,
        assignment,
        ACTIVE_STATES,
        AssignmentState.RELEASED,
        ended_at=moment,
        note=reason[:1000],
        refusal=_refusal(assignment),
    )
    _free_slot(session, task)
    record_event(
        session,
        actor=actor,
        action="cannot_complete",
        community_id=task.community_id,
        assignment=assignment,
        at=moment,
        reason=reason,
    )
    _tell_leads(
        session,
        task,
        key=f"cannot:{assignment.id}",
        msgid=N_("{name} cannot complete task #{task_id} “{title}”: {reason}"),
        params={"name": person.name, "task_id": task.id, "title": task.title, "reason": reason},
        at=moment,
    )
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
    assignment = _holding(session, task, person, N_("{name} does not hold a slot of task #{task_id}."))
    _move(
        session,
        assignment,
        (AssignmentState.CLAIMED,),
        AssignmentState.NO_SHOW,
        ended_at=moment,
        refusal=_refusal(assignment),
    )
    _free_slot(session, task)
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
    if to_person.community_id != task.community_id or not to_person.active:
        raise NotAllowed(N_("{name} cannot take work in this community."), name=to_person.name)
    if (
        actor.person is not None
        and not _is_coordinator(session, actor, task)
        and (task.team_id is None or not is_member(session, to_person.id, task.team_id))
    ):
        raise NotAllowed(
            N_("A captain reassigns within the team; {name} is not in it. Ask a coordinator."),
            name=to_person.name,
        )
    if from_person.id == to_person.id:
        raise InvalidTransition(N_("{name} already holds this task."), name=to_person.name)
    old = _holding(session, task, from_person, N_("{name} does not hold a slot of task #{task_id}."))
    moment = now or utcnow()
    _move(session, old, ACTIVE_STATES, AssignmentState.REASSIGNED, ended_at=moment, refusal=_refusal(old))
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
    _send_private_details(session, task, new, at=moment)
    return new


# --- the pieces ---------------------------------------------------------------------------------


def _check_claimable(
    session: Session, task: Task, person: Person, moment: datetime, *, declaration_needed: bool = True
) -> None:
    if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise InvalidTransition(
            N_("Task #{task_id} is {status}; look at the open tasks instead."),
            task_id=task.id,
            status=str(task.status),
        )
    if (task.ends_at and moment >= task.ends_at) or (
        task.due_at and moment >= task.due_at and not task.starts_at
    ):
        raise InvalidTransition(
            N_("Task #{task_id} is already over; look at the open tasks instead."), task_id=task.id
        )
    missing = sorted(set(task.skills) - set(person.skills))
    if missing:
        raise NotAllowed(
            N_("Task #{task_id} needs: {skills}. Ask your captain if you can help otherwise."),
            task_id=task.id,
            skills=", ".join(missing),
        )
    if declaration_needed:
        community = session.get(Community, task.community_id)
        if community is not None and community.requires_health_declaration:
            today = moment.astimezone(ZoneInfo(community.timezone)).date()
            healthy = session.scalar(
                select(HealthDeclaration.healthy).where(
                    HealthDeclaration.person_id == person.id, HealthDeclaration.day == today
                )
            )
            if not healthy:
                raise NotAllowed(N_("Please send today's health declaration before claiming work."))


def _take_slot(
    session: Session, task: Task, person: Person, *, assigned_by: int | None, now: datetime
) -> Assignment:
    # The common path is one conditional UPDATE (RETURNING the new counts, so no refresh) and one INSERT;
    # who already holds a slot is asked only when that path fails (DESIGN.md invariant 4).
    try:
        with session.begin_nested():
            taken = (
                session.connection()
                .execute(
                    update(Task)
                    .where(Task.id == task.id, Task.filled < Task.capacity, Task.status.in_(CLAIMABLE))
                    .values(
                        filled=Task.filled + 1,
                        status=case(
                            (
                                (Task.filled + 1 >= Task.capacity) & (Task.status == TaskStatus.OPEN),
                                TaskStatus.FULL,
                            ),
                            else_=Task.status,
                        ),
                    )
                    .returning(Task.filled, Task.status)
                )
                .one_or_none()
            )
            if taken is not None:
                set_committed_value(task, "filled", taken.filled)
                set_committed_value(task, "status", TaskStatus(taken.status))
                assignment = Assignment(
                    task_id=task.id, person_id=person.id, assigned_by_id=assigned_by, claimed_at=now
                )
                session.add(assignment)
                session.flush()
    except IntegrityError:
        session.expire(task)  # the savepoint undid the UPDATE whose result was copied onto the task
        taken = None
    if taken is None:
        # Full, or refused by the unique index (a second slot for this person) or, as a last line
        # of defence, by the capacity CHECK constraint: say which.
        if _holds(session, task, person):
            raise AlreadyClaimed(N_("You already hold a slot of task #{task_id}."), task_id=task.id)
        raise TaskFull(
            N_("Task #{task_id} is full: every slot is taken. Look at the other open tasks."), task_id=task.id
        )
    _stop_escalation(session, task)
    return assignment


def _holds(session: Session, task: Task, person: Person) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Assignment.task_id == task.id,
                    Assignment.person_id == person.id,
                    Assignment.state.in_(HOLDING_STATES),
                )
            )
        )
    )


def _free_slot(session: Session, task: Task) -> None:
    session.execute(
        update(Task)
        .where(Task.id == task.id, Task.filled > 0)
        .values(
            filled=Task.filled - 1,
            status=case((Task.status == TaskStatus.FULL, TaskStatus.OPEN), else_=Task.status),
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(task)


def _move(
    session: Session,
    assignment: Assignment,
    from_states: tuple[AssignmentState, ...],
    to: AssignmentState,
    *,
    refusal: Exception,
    **values: Any,
) -> None:
    moved = session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.state.in_(from_states))
        .values(state=to, **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount == 0:  # type: ignore[attr-defined]
        raise refusal
    session.refresh(assignment)


def _holding(session: Session, task: Task, person: Person, msgid: str) -> Assignment:
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.task_id == task.id,
            Assignment.person_id == person.id,
            Assignment.state.in_(HOLDING_STATES),
        )
    )
    if assignment is None:
        raise NotFound(msgid, task_id=task.id, name=person.name)
    return assignment


def _refusal(assignment: Assignment) -> InvalidTransition:
    if assignment.state == AssignmentState.DONE:
        return InvalidTransition(
            N_("Task #{task_id} is already done. Thank you!"), task_id=assignment.task_id
        )
    if assignment.state == AssignmentState.CHECKED_IN:
        return InvalidTransition(
            N_(
                "You are already checked in for task #{task_id}; report it done when finished, "
                "or say “can't complete” with a reason."
            ),
            task_id=assignment.task_id,
        )
    return InvalidTransition(
        N_("Task #{task_id} cannot change from “{state}” that way."),
        task_id=assignment.task_id,
        state=str(assignment.state),
    )


def _stop_escalation(session: Session, task: Task) -> None:
    """Claiming, checking in or finishing ends an escalation under way: later steps find a stale token."""
    if task.escalation_due_at is not None or task.escalation_policy is not None:
        session.execute(
            update(Task)
            .where(Task.id == task.id)
            .values(escalation_due_at=None, escalation_token=Task.escalation_token + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(task)


def _send_private_details(session: Session, task: Task, assignment: Assignment, *, at: datetime) -> None:
    """Address, phone and health details, if the task has any, go to the assignee alone by direct message."""
    if not task.private_details and task.household_id is None:
        return
    notify(
        session,
        dedupe_key=private_key(assignment),
        community_id=task.community_id,
        person_id=assignment.person_id,
        task_id=task.id,
        private=True,
        msgid=N_("You have task #{task_id} “{title}”. Details for you only: {details}"),
        params={"task_id": task.id, "title": task.title, "details": private_text(session, task)},
        at=at,
    )


def private_key(assignment: Assignment) -> str:
    """The outbox key of the direct message carrying an assignment's private details."""
    return f"private:{assignment.id}"


def private_text(session: Session, task: Task) -> str:
    """The task's private details and its household's address and contact, in one line."""
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


def _tell_leads(
    session: Session,
    task: Task,
    *,
    key: str,
    msgid: str,
    params: dict[str, Any],
    at: datetime,
    coordinators: bool = False,
) -> None:
    from coord.services.people import captains_of, coordinators_of

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


def _is_coordinator(session: Session, actor: Actor, task: Task) -> bool:
    from coord.services.access import is_coordinator

    return actor.person is not None and is_coordinator(session, actor.person, task.community_id)


def _local(session: Session, task: Task, moment: datetime) -> str:
    community = session.get(Community, task.community_id)
    zone = ZoneInfo(community.timezone if community else "UTC")
    return moment.astimezone(zone).strftime("%H:%M")


NO_SHOW_GRACE = timedelta(minutes=10)
