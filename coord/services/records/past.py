"""Past days: work done on an earlier date, entered afterwards (from paper) by a captain or coordinator.

A past record is a task made closed (``entered_afterwards``: the scheduler never reminds or escalates it)
with a done slot for each person who did it: their check-in and done times, or their hours, and their
figures. Each slot is an event marked as entered afterwards, by whom and from which channel (the event's
own ``channel``), naming when it happened; the stored summaries of the days it touches are counted again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, NotAllowed
from coord.i18n import N_
from coord.kinds import TaskKind, get_kind, validate_figures
from coord.models import (
    LADDER_FINISHED,
    Assignment,
    AssignmentState,
    Community,
    Person,
    Place,
    Task,
    TaskStatus,
    Team,
)
from coord.models.kinds import find_kind
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, is_coordinator, is_member, require_lead
from coord.services.reporting.counts import served_seconds
from coord.services.reporting.summary import revise_summaries

MAX_HOURS_A_DAY = 24.0
MAX_PEOPLE = 500


@dataclass(frozen=True)
class PastPart:
    """One person's part of past work: when they checked in and finished (or how many hours), and figures."""

    person: Person
    done_at: datetime
    checked_in_at: datetime | None = None
    hours: float | None = None
    figures: Mapping[str, Any] = field(default_factory=dict)


def check_part(
    kind: TaskKind, part: PastPart, *, zone: ZoneInfo, now: datetime, required: bool = True
) -> dict[str, Any]:
    """Refuse a part that cannot be true (InvalidInput): the future, done before the check-in, over 24 hours
    in a day, figures the kind does not record. Returns its typed figures. A part that gives no figures
    and is not ``required`` to (a second person of work whose figures another part gives) records none."""
    if part.done_at > now:
        raise InvalidInput(
            N_("{when} is in the future: a past record describes work already done."),
            when=_local(part.done_at, zone),
        )
    if part.checked_in_at is not None and part.done_at < part.checked_in_at:
        raise InvalidInput(
            N_("The done time {done} is before the check-in {check_in}."),
            done=_local(part.done_at, zone),
            check_in=_local(part.checked_in_at, zone),
        )
    hours = part_hours(part)
    if hours is not None and not 0 <= hours <= MAX_HOURS_A_DAY:
        raise InvalidInput(
            N_("{hours} hours in one day cannot be right: a day has at most 24."), hours=_plain(hours)
        )
    if not required and not part.figures:
        return {}
    return validate_figures(kind, dict(part.figures))


def already_recorded(session: Session, person_id: int, kind: str, done_at: datetime) -> int | None:
    """The task in which ``person_id``'s work of ``kind`` done at ``done_at`` is already recorded, if any:
    the same line of a paper sheet entered twice is counted once."""
    return session.scalar(
        select(Task.id)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(
            Assignment.person_id == person_id,
            Assignment.state == AssignmentState.DONE,
            Assignment.ended_at == done_at,
            Task.kind == kind,
        )
        .limit(1)
    )


def refuse_recorded(session: Session, part: PastPart, kind: str, zone: ZoneInfo) -> None:
    """Refuse a part already recorded (InvalidInput naming the task)."""
    found = already_recorded(session, part.person.id, kind, part.done_at)
    if found is not None:
        raise InvalidInput(
            N_("{name}'s work done at {when} is already recorded, in task #{task_id}."),
            name=part.person.name,
            when=_local(part.done_at, zone),
            task_id=found,
        )


def part_hours(part: PastPart) -> float | None:
    """The hours a part says: as given, else from check-in to done."""
    if part.hours is not None:
        return part.hours
    if part.checked_in_at is not None:
        return (part.done_at - part.checked_in_at).total_seconds() / 3600
    return None


def record_past_work(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    kind: str,
    title: str,
    parts: Sequence[PastPart],
    team: Team | None = None,
    place: Place | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Task:
    """Record work done on an earlier date by the people in ``parts``; returns the closed task."""
    require_lead(session, actor, community.id, team.id if team else None)
    moment = now or utcnow()
    zone = ZoneInfo(community.timezone)
    task_kind = find_kind(session, community.id, kind) or get_kind(kind)  # the community's own kinds too
    title = " ".join((title or "").split())
    if not title or len(title) > 200:
        raise InvalidInput(N_("A task needs a title of 1 to 200 characters."))
    if not 1 <= len(parts) <= MAX_PEOPLE:
        raise InvalidInput(N_("Name who did the work: from 1 to {most} people."), most=MAX_PEOPLE)
    for thing in (team, place):
        if thing is not None and thing.community_id != community.id:
            raise InvalidInput(N_("Everything a task names must belong to the same community."))
    if (starts_at is None) != (ends_at is None) or (starts_at and ends_at and ends_at <= starts_at):
        raise InvalidInput(N_("A shift must end after it starts."))
    if ends_at is not None and ends_at > moment:
        raise InvalidInput(
            N_("{when} is in the future: a past record describes work already done."),
            when=_local(ends_at, zone),
        )
    # The figures of the work may be given once, on the first part (a paper sheet counts per task).
    typed = [
        check_part(task_kind, part, zone=zone, now=moment, required=index == 0)
        for index, part in enumerate(parts)
    ]
    check_people(session, actor, community, team, [p.person for p in parts])
    for part in parts:
        refuse_recorded(session, part, task_kind.name, zone)
    check_day_hours(session, parts, zone=zone)
    window = (starts_at, ends_at)
    task = _closed_task(session, actor, community, task_kind, title, parts, team, place, window, moment)
    for part, figures in zip(parts, typed, strict=True):
        done_slot(session, actor, task, part, figures, note, moment)
    revise_summaries(session, community, since=min(p.done_at for p in parts))
    return task


def check_people(
    session: Session, actor: Actor, community: Community, team: Team | None, people: Sequence[Person]
) -> None:
    """Everyone named is an active person of the community, named once; a captain records for their team."""
    seen: set[int] = set()
    captain_only = actor.person is not None and not is_coordinator(session, actor.person, community.id)
    for person in people:
        if person.community_id != community.id or not person.active:
            raise NotAllowed(N_("{name} cannot take work in this community."), name=person.name)
        if person.id in seen:
            raise InvalidInput(N_("{name} is named twice for the same work."), name=person.name)
        seen.add(person.id)
        if captain_only and team is not None and not is_member(session, person.id, team.id):
            raise NotAllowed(
                N_("A captain records work for their own team; {name} is not in it. Ask a coordinator."),
                name=person.name,
            )


def check_day_hours(session: Session, parts: Sequence[PastPart], *, zone: ZoneInfo) -> None:
    """Nobody serves more than 24 hours in one day, counting what is already recorded for that day."""
    added: dict[tuple[int, Any], float] = {}
    for part in parts:
        hours = part_hours(part)
        if hours:
            key = (part.person.id, part.done_at.astimezone(zone).date())
            added[key] = added.get(key, 0.0) + hours
    for (person_id, day), hours in added.items():
        total = hours + served_on(session, person_id, day, zone)
        if total > MAX_HOURS_A_DAY:
            name = next(p.person.name for p in parts if p.person.id == person_id)
            raise InvalidInput(
                N_("{name} would have served {hours} hours on {day}: a day has at most 24."),
                name=name,
                hours=_plain(round(total, 1)),
                day=day.isoformat(),
            )


def served_on(session: Session, person_id: int, day: Any, zone: ZoneInfo) -> float:
    """The hours already recorded for ``person_id`` on the local ``day``."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    seconds = session.scalar(
        select(func.sum(served_seconds(session))).where(
            Assignment.person_id == person_id,
            Assignment.ended_at >= start,
            Assignment.ended_at < start + timedelta(days=1),
        )
    )
    return float(seconds or 0) / 3600


def _closed_task(
    session: Session,
    actor: Actor,
    community: Community,
    kind: TaskKind,
    title: str,
    parts: Sequence[PastPart],
    team: Team | None,
    place: Place | None,
    window: tuple[datetime | None, datetime | None],
    moment: datetime,
) -> Task:
    starts_at, ends_at = window
    if kind.shift and starts_at is None:  # a shift has a window: from the first start to the last finish
        starts_at = min(_began(p) for p in parts)
        ends_at = max(p.done_at for p in parts)
        if ends_at <= starts_at:
            ends_at = starts_at + timedelta(minutes=1)
    task = Task(
        community_id=community.id,
        kind=kind.name,
        title=title,
        team_id=team.id if team else None,
        place_id=place.id if place else None,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=len(parts),
        filled=len(parts),
        status=TaskStatus.DONE,
        created_by_id=actor.person_id,
        created_at=moment,
        entered_afterwards=True,
        escalation_step=LADDER_FINISHED,
    )
    session.add(task)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="task_created",
        community_id=community.id,
        task=task,
        at=moment,
        kind=kind.name,
        afterwards=True,
    )
    return task


def _began(part: PastPart) -> datetime:
    if part.checked_in_at is not None:
        return part.checked_in_at
    return part.done_at - timedelta(hours=part.hours or 0)


def done_slot(
    session: Session,
    actor: Actor,
    task: Task,
    part: PastPart,
    figures: dict[str, Any],
    note: str,
    moment: datetime,
) -> Assignment:
    hours = part.hours
    if hours is None and part.checked_in_at is None and task.starts_at and task.ends_at:
        hours = (task.ends_at - task.starts_at).total_seconds() / 3600  # the shift window
    began = min(_began(part), task.starts_at or _began(part))
    slot = Assignment(
        task_id=task.id,
        person_id=part.person.id,
        state=AssignmentState.DONE,
        assigned_by_id=actor.person_id,
        claimed_at=began,
        checked_in_at=part.checked_in_at,
        ended_at=part.done_at,
        figures=figures,
        note=note.strip()[:1000],
        hours=round(hours, 2) if hours is not None else None,
    )
    session.add(slot)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="completed",
        community_id=task.community_id,
        assignment=slot,
        at=moment,
        figures=figures,
        afterwards=True,
        happened_at=part.done_at.isoformat(),
        checked_in_at=part.checked_in_at.isoformat() if part.checked_in_at else None,
        hours=slot.hours,
        on_behalf=actor.person_id != part.person.id,
    )
    return slot


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(round(number, 1))
