"""Read-only views the chat flows show: my tasks, open tasks, a team's board, today's figures and the
teams overview (the escalations still needing action: ``escalation.outstanding``). Permission checks for
the leaders' views live here too."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from coord.errors import NotFound
from coord.i18n import N_
from coord.kinds import get_kind
from coord.models import (
    ACTIVE_STATES,
    HOLDING_STATES,
    Area,
    Assignment,
    AssignmentState,
    Community,
    Membership,
    Person,
    Place,
    Priority,
    Task,
    TaskStatus,
    Team,
    TeamRole,
)
from coord.services.people.access import Actor, require_coordinator, require_lead
from coord.services.work.stand_down import unwell_today

LIVE = (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)
UNFILLED_HORIZON = timedelta(hours=24)


def local_day_start(community: Community, now: datetime) -> datetime:
    """Midnight of today in the community's timezone, as an aware datetime."""
    zone = ZoneInfo(community.timezone)
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)


def not_over(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """The work's window or deadline has not passed."""
    return or_(
        Task.ends_at > now,
        and_(Task.ends_at.is_(None), or_(Task.due_at.is_(None), Task.due_at > now)),
    )


def _over(now: datetime) -> ColumnElement[bool]:
    return or_(Task.ends_at <= now, and_(Task.ends_at.is_(None), Task.due_at <= now))


def _when() -> Any:
    return case((Task.starts_at.is_not(None), Task.starts_at), else_=Task.due_at)


# The views every chat command shows are built once per shape and take their values as parameters:
# building a statement and computing its cache key costs more client CPU than running it.
@functools.cache
def _my_tasks(limit: int) -> Any:
    when = _when()
    return (
        select(Assignment, Task)
        .join(Task, Task.id == Assignment.task_id)
        .where(Assignment.person_id == bindparam("person_id"), Assignment.state.in_(ACTIVE_STATES))
        .order_by(case((when.is_(None), 1), else_=0), when, Task.id)
        .limit(limit)
    )


def my_tasks(session: Session, person: Person, *, limit: int = 10) -> list[tuple[Assignment, Task]]:
    """The work ``person`` holds and has not finished, soonest first."""
    rows = session.execute(_my_tasks(limit), {"person_id": person.id}).all()
    return [(assignment, task) for assignment, task in rows]


def open_tasks(
    session: Session,
    *,
    community_id: int,
    now: datetime,
    first_team_id: int | None = None,
    kind: str | None = None,
    area_id: int | None = None,
    until: datetime | None = None,
    limit: int = 5,
    offset: int = 0,
) -> list[Task]:
    """Work with a free slot that is not over: urgent first, then the given team's, then soonest."""
    values: dict[str, Any] = {"community_id": community_id, "now": now}
    if kind:
        values["kind"] = get_kind(kind).name
    if area_id is not None:
        values["area_id"] = area_id
    if until is not None:
        values["until"] = until
    if first_team_id is not None:
        values["first_team_id"] = first_team_id
    query = _open_tasks(tuple(sorted(values)), limit, offset)
    return list(session.scalars(query, values))


@functools.cache
def _open_tasks(filters: tuple[str, ...], limit: int, offset: int) -> Any:
    """The open-tasks query for one set of ``filters`` (parameter names), built once."""
    query = select(Task).where(
        Task.community_id == bindparam("community_id"),
        Task.status.in_((TaskStatus.OPEN, TaskStatus.IN_PROGRESS)),
        Task.filled < Task.capacity,
        not_over(bindparam("now", type_=Task.ends_at.type)),
    )
    if "kind" in filters:
        query = query.where(Task.kind == bindparam("kind"))
    if "area_id" in filters:
        area_id: BindParameter[int] = bindparam("area_id")
        areas = select(Area.id).where(or_(Area.id == area_id, Area.parent_id == area_id))
        query = query.where(Task.place_id.in_(select(Place.id).where(Place.area_id.in_(areas))))
    if "until" in filters:
        until: BindParameter[datetime] = bindparam("until")
        query = query.where(or_(Task.starts_at < until, and_(Task.starts_at.is_(None), Task.due_at < until)))
    when = _when()
    order: list[Any] = [case((Task.priority == Priority.URGENT, 0), else_=1)]
    if "first_team_id" in filters:
        order.append(case((Task.team_id == bindparam("first_team_id"), 0), else_=1))
    order += [case((when.is_(None), 1), else_=0), when, Task.id]
    return query.order_by(*order).limit(limit).offset(offset)


_HOLDERS = (
    select(Assignment.task_id, Person, Assignment.state)
    .join(Person, Person.id == Assignment.person_id)
    .where(
        Assignment.task_id.in_(bindparam("task_ids", expanding=True)), Assignment.state.in_(HOLDING_STATES)
    )
    .order_by(Assignment.id)
)


def holders_of(session: Session, task_ids: list[int]) -> dict[int, list[tuple[Person, AssignmentState]]]:
    """Who holds a slot of each task, with their state: those done with their part keep their place."""
    if not task_ids:
        return {}
    rows = session.execute(_HOLDERS, {"task_ids": task_ids}).all()
    holders: dict[int, list[tuple[Person, AssignmentState]]] = defaultdict(list)
    for task_id, person, state in rows:
        holders[task_id].append((person, state))
    return holders


@dataclass(frozen=True)
class TeamBoard:
    """A captain's view of one team: live work and who holds it, what is unfilled, overdue or missed."""

    team: Team
    tasks: list[Task]
    holders: dict[int, list[tuple[Person, AssignmentState]]]
    no_shows: list[tuple[Task, Person]]
    unwell: frozenset[int] = frozenset()  # holders who declared themselves unwell today

    def needs_someone_else(self) -> list[Task]:
        """Live work an unwell holder has not finished: to be reassigned."""
        return [
            t
            for t in self.tasks
            if any(p.id in self.unwell and s in ACTIVE_STATES for p, s in self.holders.get(t.id, []))
        ]

    def unfilled(self, now: datetime) -> list[Task]:
        soon = now + UNFILLED_HORIZON
        return [
            t
            for t in self.tasks
            if t.filled < t.capacity
            and t.starts_at is not None
            and now < (t.ends_at or soon)
            and t.starts_at < soon
        ]

    def overdue(self, now: datetime) -> list[Task]:
        return [t for t in self.tasks if _end(t) is not None and _end(t) <= now]  # type: ignore[operator]


def _end(task: Task) -> datetime | None:
    return task.ends_at or task.due_at


@functools.cache
def _board_tasks(limit: int) -> Any:
    when = _when()
    return (
        select(Task)
        .where(Task.team_id == bindparam("team_id"), Task.status.in_(LIVE))
        .order_by(case((when.is_(None), 1), else_=0), when, Task.id)
        .limit(limit)
    )


_MISSED = (
    select(Task, Person)
    .join(Assignment, Assignment.task_id == Task.id)
    .join(Person, Person.id == Assignment.person_id)
    .where(
        Task.team_id == bindparam("team_id"),
        Assignment.state == AssignmentState.NO_SHOW,
        Assignment.ended_at >= bindparam("since"),
    )
    .order_by(Assignment.ended_at)
)


def team_board(session: Session, *, actor: Actor, team: Team, now: datetime, limit: int = 15) -> TeamBoard:
    require_lead(session, actor, team.community_id, team.id)
    tasks = list(session.scalars(_board_tasks(limit), {"team_id": team.id}))
    community = session.get(Community, team.community_id)
    since = local_day_start(community, now) if community else now - timedelta(days=1)
    missed = session.execute(_MISSED, {"team_id": team.id, "since": since}).all()
    holders = holders_of(session, [t.id for t in tasks])
    people = {p.id for held in holders.values() for p, s in held if s in ACTIVE_STATES}
    unwell = unwell_today(session, community, people, now) if community else set()
    return TeamBoard(team, tasks, holders, [(t, p) for t, p in missed], frozenset(unwell))


@dataclass
class DayFigures:
    """What a community has done today so far, as its office reports it."""

    day: date
    per_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    tasks_done: int = 0  # each task once
    completions: int = 0  # each holder's part once
    people: int = 0
    no_shows: int = 0
    overdue: int = 0
    unfilled: int = 0
    open_now: int = 0


def todays_figures(session: Session, *, actor: Actor, community: Community, now: datetime) -> DayFigures:
    require_coordinator(session, actor, community.id)
    since = local_day_start(community, now)
    figures = _done_since(session, community.id, since)
    figures.no_shows = _count(
        session,
        select(func.count(Assignment.id))
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Task.community_id == community.id,
            Assignment.state == AssignmentState.NO_SHOW,
            Assignment.ended_at >= since,
        ),
    )
    live = and_(Task.community_id == community.id, Task.status.in_(LIVE))
    figures.overdue = _count(session, select(func.count(Task.id)).where(live, _over(now)))
    free = and_(live, Task.filled < Task.capacity, not_over(now))
    figures.open_now = _count(session, select(func.count(Task.id)).where(free))
    figures.unfilled = _count(
        session,
        select(func.count(Task.id)).where(
            free, Task.starts_at.is_not(None), Task.starts_at < now + UNFILLED_HORIZON
        ),
    )
    return figures


def _done_since(session: Session, community_id: int, since: datetime) -> DayFigures:
    """The work done since ``since``, counted as every report counts it (``coord.services.reporting.counts``):
    tasks done (each task once), people's completions (each holder once), each figure as it says."""
    from coord.services.reporting.counts import work_done

    figures = DayFigures(day=since.date())
    counts = work_done(session, community_id, since=since, until=since + timedelta(days=2))
    for (kind, _team), count in sorted(counts.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        figures.tasks_done += count.tasks
        figures.completions += count.completions
        if count.completions:
            sums = figures.per_kind.setdefault(kind, {})
            for name, value in count.figures.items():
                sums[name] = sums.get(name, 0) + value
    figures.people = _count(
        session,
        select(func.count(func.distinct(Assignment.person_id)))
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Task.community_id == community_id,
            Assignment.state == AssignmentState.DONE,
            Assignment.ended_at >= since,
        ),
    )
    return figures


def _count(session: Session, query: Any) -> int:
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class TeamLine:
    team: Team
    members: int
    captains: list[str]
    live_tasks: int
    open_slots: int
    checked_in: int


def teams_overview(session: Session, *, actor: Actor, community: Community, now: datetime) -> list[TeamLine]:
    require_coordinator(session, actor, community.id)
    teams = list(session.scalars(select(Team).where(Team.community_id == community.id).order_by(Team.name)))
    ids = [t.id for t in teams]
    members: dict[int, int] = dict(
        session.execute(
            select(Membership.team_id, func.count(Membership.id))
            .where(Membership.team_id.in_(ids))
            .group_by(Membership.team_id)
        ).all()  # type: ignore[arg-type]
    )
    captains: dict[int, list[str]] = defaultdict(list)
    for team_id, name in session.execute(
        select(Membership.team_id, Person.name)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.team_id.in_(ids), Membership.role == TeamRole.CAPTAIN)
        .order_by(Person.name)
    ):
        captains[team_id].append(name)
    work = {
        team_id: (count, slots or 0)
        for team_id, count, slots in session.execute(
            select(Task.team_id, func.count(Task.id), func.sum(Task.capacity - Task.filled))
            .where(Task.team_id.in_(ids), Task.status.in_(LIVE), not_over(now))
            .group_by(Task.team_id)
        )
    }
    present: dict[int, int] = dict(
        session.execute(
            select(Task.team_id, func.count(Assignment.id))
            .join(Assignment, Assignment.task_id == Task.id)
            .where(Task.team_id.in_(ids), Assignment.state == AssignmentState.CHECKED_IN)
            .group_by(Task.team_id)
        ).all()  # type: ignore[arg-type]
    )
    return [
        TeamLine(t, members.get(t.id, 0), captains[t.id], *work.get(t.id, (0, 0)), present.get(t.id, 0))
        for t in teams
    ]


def reassign_choices(
    session: Session, *, actor: Actor, task: Task, limit: int = 12, offset: int = 0
) -> tuple[list[Person], list[Person]]:
    """For a lead: who holds ``task`` now, and who in its team could take it instead, by name: ``limit`` of
    them from the ``offset``-th, so a picker can page through the whole team."""
    require_lead(session, actor, task.community_id, task.team_id)
    held = holders_of(session, [task.id]).get(task.id, [])
    holders = [person for person, state in held if state in ACTIVE_STATES]
    if task.team_id is None:
        return holders, []
    taken = {p.id for p, _state in held}  # one done with their part keeps their place: not offered again
    members = session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.team_id == task.team_id, Person.active.is_(True))
        .order_by(Person.name)
    ).all()
    return holders, [p for p in members if p.id not in taken][max(offset, 0) :][:limit]


_VIEWER_STATE = select(Assignment.state).where(
    Assignment.task_id == bindparam("task_id"),
    Assignment.person_id == bindparam("person_id"),
    Assignment.state.in_(ACTIVE_STATES),
)
_CARD = (
    select(Task)
    .options(joinedload(Task.place), joinedload(Task.team))
    .where(Task.id == bindparam("task_id"), Task.community_id == bindparam("community_id"))
)


def viewer_state(session: Session, task_id: int, person_id: int) -> AssignmentState | None:
    """The state of ``person_id``'s active slot in ``task_id``, if they hold one."""
    return session.scalar(_VIEWER_STATE, {"task_id": task_id, "person_id": person_id})


def held_slot(session: Session, task_id: int, person_id: int) -> Assignment | None:
    """``person_id``'s active slot in ``task_id``, with its task, if they hold one."""
    return session.scalar(
        select(Assignment)
        .options(joinedload(Assignment.task))
        .where(
            Assignment.task_id == task_id,
            Assignment.person_id == person_id,
            Assignment.state.in_(ACTIVE_STATES),
        )
    )


def ended_state(session: Session, task_id: int, person_id: int) -> AssignmentState | None:
    """How ``person_id``'s last slot of ``task_id`` ended (done, released …), when they hold none now."""
    if viewer_state(session, task_id, person_id) is not None:
        return None
    last = (
        select(Assignment.state)
        .where(Assignment.task_id == task_id, Assignment.person_id == person_id)
        .order_by(Assignment.id.desc())
        .limit(1)
    )
    return session.scalar(last)


def task_for_card(session: Session, task_id: int, *, community_id: int) -> Task:
    """The task with its place and team, for showing; one of another community is unknown."""
    task = (
        session.scalar(_CARD, {"task_id": task_id, "community_id": community_id})
        if 0 < task_id < 2**31
        else None
    )
    if task is None:
        raise NotFound(N_("There is no task #{task_id}. Check the number in the task list."), task_id=task_id)
    return task
