"""The board's Today page (挂图作战): per grid, buildings × today's rounds coloured by state and the time
since each building was last covered; the gates with who is on duty and the next shift's gaps; and what
fell through (unfilled, overdue, escalations), each with the action a lead takes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from coord.models import Area, Assignment, AssignmentState, Event, Person, Place, PlaceKind, Task, TaskStatus
from coord.models import Template as WorkTemplate
from coord.services.board.viewer import Viewer
from coord.services.escalation.outstanding import outstanding
from coord.services.work.boards import local_day_start, not_over

LIVE = (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)
LIST_LIMIT = 40
STATES = ("done", "in_progress", "due", "overdue", "unfilled", "cancelled")


@dataclass(frozen=True)
class Round:
    """A column of the matrix: one recurring work at one time of day (消杀 08:00)."""

    key: tuple[int, str]
    name: str
    at: str  # local HH:MM


@dataclass(frozen=True)
class Cell:
    task_id: int
    state: str  # one of STATES
    filled: int
    capacity: int


#: Which state a building's tile on the plan shows when its rounds differ: the one that needs action first.
URGENCY = ("overdue", "unfilled", "in_progress", "due", "done", "cancelled")


@dataclass
class BuildingRow:
    place_id: int
    name: str
    last_covered: datetime | None
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)

    @property
    def worst(self) -> str:
        """The state of the plan's tile: the most urgent of today's rounds ("none" without any)."""
        states = {cell.state for cell in self.cells.values()}
        return next((state for state in URGENCY if state in states), "none")


@dataclass
class GridMatrix:
    name: str
    rounds: list[Round]
    rows: list[BuildingRow]
    zone: str = ""


@dataclass(frozen=True)
class GateLine:
    place_id: int
    name: str
    on_duty: list[str]
    next_task_id: int | None
    next_start: datetime | None
    next_gap: int  # places still free in the next shift


@dataclass(frozen=True)
class WorkLine:
    task_id: int
    title: str
    kind: str
    when: datetime | None
    place: str
    open_places: int
    holders: list[str]
    status: str


@dataclass
class Today:
    now: datetime
    zone: str
    grids: list[GridMatrix]
    gates: list[GateLine]
    unfilled: list[WorkLine]
    overdue: list[WorkLine]
    escalations: list[WorkLine]
    counts: dict[str, int]
    last_event_id: int


def cell_state(status: TaskStatus, filled: int, capacity: int, end: datetime | None, now: datetime) -> str:
    """The colour of one round at one building: done, in progress, overdue, unfilled or due."""
    if status == TaskStatus.DONE:
        return "done"
    if status == TaskStatus.CANCELLED:
        return "cancelled"
    if end is not None and end <= now:
        return "overdue"
    if status == TaskStatus.IN_PROGRESS:
        return "in_progress"
    return "unfilled" if filled < capacity else "due"


def last_event_id(session: Session, community_id: int) -> int:
    """The newest event of the community: a page is live by asking for this cheaply and reloading its live
    part when it moves (read from the database, so it works across web instances)."""
    return session.scalar(select(func.max(Event.id)).where(Event.community_id == community_id)) or 0


def today_page(session: Session, *, viewer: Viewer, now: datetime) -> Today:
    """Everything the Today page shows, scoped to what ``viewer`` leads."""
    community = viewer.community
    start = local_day_start(community, now)
    end = start + timedelta(days=1)
    zone = ZoneInfo(community.timezone)
    grids, counts = _matrix(session, viewer, start, end, now, zone)
    return Today(
        now=now,
        zone=community.timezone,
        grids=grids,
        gates=_gates(session, viewer, now),
        unfilled=_work(session, viewer, _unfilled(now, end)),
        overdue=_work(session, viewer, _overdue(now, start)),
        escalations=_escalations(session, viewer, now),
        counts=counts,
        last_event_id=last_event_id(session, community.id),
    )


def _scope(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.coordinator:
        return true()
    return Task.team_id.in_(sorted(viewer.team_ids))


def _matrix(
    session: Session, viewer: Viewer, start: datetime, end: datetime, now: datetime, zone: ZoneInfo
) -> tuple[list[GridMatrix], dict[str, int]]:
    when = func.coalesce(Task.starts_at, Task.due_at)
    rows = session.execute(
        select(
            Task.id,
            Task.template_id,
            Task.place_id,
            Task.status,
            Task.filled,
            Task.capacity,
            Task.starts_at,
            Task.due_at,
            Task.ends_at,
            WorkTemplate.name,
        )
        .join(WorkTemplate, WorkTemplate.id == Task.template_id)
        .join(Place, Place.id == Task.place_id)
        .where(
            Task.community_id == viewer.community.id,
            Place.kind == PlaceKind.BUILDING,
            when >= start,
            when < end,
            _scope(viewer),
        )
    ).all()
    cells: dict[int, dict[tuple[int, str], Cell]] = defaultdict(dict)
    rounds: dict[tuple[int, str], Round] = {}
    counts = dict.fromkeys(STATES, 0)
    for task_id, template_id, place_id, status, filled, capacity, starts, due, ends, name in rows:
        at = (starts or due).astimezone(zone).strftime("%H:%M")
        key = (template_id, at)
        rounds.setdefault(key, Round(key, name, at))
        state = cell_state(status, filled, capacity, ends or due, now)
        cells[place_id][key] = Cell(task_id, state, filled, capacity)
        counts[state] += 1
    covered = _last_covered(session, viewer.community.id)
    zone_area = aliased(Area)
    buildings = session.execute(
        select(Place.id, Place.name, Area.name, zone_area.name)
        .outerjoin(Area, Area.id == Place.area_id)
        .outerjoin(zone_area, zone_area.id == Area.parent_id)
        .where(Place.community_id == viewer.community.id, Place.kind == PlaceKind.BUILDING)
        .order_by(zone_area.name, Area.name, Place.name)
    ).all()
    by_grid: dict[str, list[BuildingRow]] = defaultdict(list)
    zones: dict[str, str] = {}
    for place_id, name, grid, zone_name in buildings:
        if viewer.coordinator or place_id in cells:
            zones[grid or ""] = zone_name or ""
            by_grid[grid or ""].append(
                BuildingRow(place_id, name, covered.get(place_id), cells.get(place_id, {}))
            )
    ordered = sorted(rounds.values(), key=lambda r: (r.at, r.name))
    grids = []
    for grid, building_rows in by_grid.items():
        used = {key for row in building_rows for key in row.cells}
        rounds_used = [r for r in ordered if r.key in used]
        grids.append(GridMatrix(grid, rounds_used, _natural(building_rows), zones.get(grid, "")))
    return grids, counts


def natural_key(name: str) -> tuple[Any, ...]:
    """Building 2 before Building 10 (2栋 before 10栋)."""
    digits = "".join(c for c in name if c.isdigit())
    return (int(digits) if digits else 10**9, name)


def _natural(rows: list[BuildingRow]) -> list[BuildingRow]:
    """Building 2 before Building 10."""
    return sorted(rows, key=lambda row: natural_key(row.name))


def _last_covered(session: Session, community_id: int) -> dict[int, datetime]:
    """When recurring work at each place was last done."""
    found: dict[int, datetime] = {}
    for place_id, at in session.execute(
        select(Task.place_id, func.max(Assignment.ended_at))
        .join(Assignment, Assignment.task_id == Task.id)
        .where(
            Task.community_id == community_id,
            Task.template_id.is_not(None),
            Task.place_id.is_not(None),
            Assignment.state == AssignmentState.DONE,
        )
        .group_by(Task.place_id)
    ).tuples():
        if place_id is not None and at is not None:
            found[place_id] = at
    return found


def _gates(session: Session, viewer: Viewer, now: datetime) -> list[GateLine]:
    gates = session.execute(
        select(Place.id, Place.name)
        .where(Place.community_id == viewer.community.id, Place.kind == PlaceKind.GATE)
        .order_by(Place.name)
    ).all()
    gate_ids = [g for g, _ in gates]
    on_duty: dict[int, list[str]] = defaultdict(list)
    for place_id, name in session.execute(
        select(Task.place_id, Person.name)
        .join(Assignment, Assignment.task_id == Task.id)
        .join(Person, Person.id == Assignment.person_id)
        .where(
            Task.place_id.in_(gate_ids),
            Assignment.state == AssignmentState.CHECKED_IN,
            or_(Task.starts_at.is_(None), Task.starts_at <= now),
            or_(Task.ends_at.is_(None), Task.ends_at > now),
            _scope(viewer),
        )
        .order_by(Person.name)
    ).tuples():
        if place_id is not None:
            on_duty[place_id].append(name)
    first = (
        select(Task.place_id, func.min(Task.starts_at).label("starts"))
        .where(
            Task.place_id.in_(gate_ids),
            Task.starts_at > now,
            Task.status.in_((TaskStatus.OPEN, TaskStatus.FULL)),
            _scope(viewer),
        )
        .group_by(Task.place_id)
        .subquery()
    )
    upcoming = {
        place_id: (task_id, starts, capacity - filled)
        for place_id, task_id, starts, capacity, filled in session.execute(
            select(Task.place_id, Task.id, Task.starts_at, Task.capacity, Task.filled)
            .join(first, and_(first.c.place_id == Task.place_id, first.c.starts == Task.starts_at))
            .where(Task.status.in_((TaskStatus.OPEN, TaskStatus.FULL)), _scope(viewer))
        ).tuples()
    }
    lines = []
    for place_id, name in gates:
        task_id, starts, gap = upcoming.get(place_id, (None, None, 0))
        if viewer.coordinator or on_duty.get(place_id) or task_id is not None:
            lines.append(GateLine(place_id, name, on_duty.get(place_id, []), task_id, starts, gap))
    return lines


def _unfilled(now: datetime, end: datetime) -> ColumnElement[bool]:
    when = func.coalesce(Task.starts_at, Task.due_at)
    return and_(Task.status == TaskStatus.OPEN, Task.filled < Task.capacity, not_over(now), when < end)


def _overdue(now: datetime, start: datetime) -> ColumnElement[bool]:
    end = func.coalesce(Task.ends_at, Task.due_at)
    return and_(Task.status.in_(LIVE), end <= now, end >= start)


def _work(session: Session, viewer: Viewer, condition: ColumnElement[bool]) -> list[WorkLine]:
    tasks = session.execute(
        select(Task, Place.name)
        .outerjoin(Place, Place.id == Task.place_id)
        .where(Task.community_id == viewer.community.id, condition, _scope(viewer))
        .order_by(func.coalesce(Task.starts_at, Task.due_at), Task.id)
        .limit(LIST_LIMIT)
    ).all()
    return _lines(session, [(task, place or "") for task, place in tasks])


def _lines(session: Session, tasks: list[tuple[Task, str]]) -> list[WorkLine]:
    held: dict[int, list[str]] = defaultdict(list)
    ids = [task.id for task, _ in tasks]
    if ids:
        for task_id, name in session.execute(
            select(Assignment.task_id, Person.name)
            .join(Person, Person.id == Assignment.person_id)
            .where(Assignment.task_id.in_(ids), Assignment.state.in_(ACTIVE))
            .order_by(Assignment.id)
        ).tuples():
            held[task_id].append(name)
    return [
        WorkLine(
            task.id,
            task.title,
            task.kind,
            task.starts_at or task.due_at,
            place,
            max(task.capacity - task.filled, 0),
            held.get(task.id, []),
            str(task.status),
        )
        for task, place in tasks
    ]


ACTIVE = (AssignmentState.CLAIMED, AssignmentState.CHECKED_IN)


def _escalations(session: Session, viewer: Viewer, now: datetime) -> list[WorkLine]:
    """The escalations still needing action (coordinators: the chat's ``escalations`` list)."""
    if not viewer.coordinator:
        return []
    page = outstanding(session, actor=viewer.actor, community=viewer.community, now=now, size=LIST_LIMIT)
    return _lines(
        session, [(item.task, item.task.place.name if item.task.place else "") for item in page.items]
    )
