"""Materialising templates into tasks.

A rule is evaluated on the community's wall clock from ``starts_on`` 00:00 local, so "08:00"
stays 08:00 across a daylight-saving change; each local occurrence becomes UTC through zoneinfo.
Materialising is idempotent: every task carries ``(template_id, occurrence_key)``, unique together,
and rows are inserted with ON CONFLICT DO NOTHING so two workers at once never duplicate a task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as Rule
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from coord.db import insert_new
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.kinds import TaskKind, get_kind
from coord.models import Area, Community, Household, Place, PlaceKind, Task, TaskStatus, Template
from coord.services.outbox.events import event_row, record_events
from coord.services.people.access import Actor
from coord.services.recurring.rules import parse_rule

log = logging.getLogger(__name__)

#: At most this many tasks are created by one call; the rest come with the next call.
MAX_TASKS_PER_CALL = 10_000
MAX_DAYS_AHEAD = 366
RECURRENCE = Actor.system("recurrence")
_SLACK = timedelta(hours=3)  # wider than any UTC offset change, for comparing wall-clock times


def materialise(*, session: Session, template: Template, now: datetime, days: int = 7) -> int:
    """Create the tasks of ``template`` whose occurrences fall in ``[now, now + days)``; return how many.

    Occurrences before ``now`` are never created, and running this again (or in two workers at once)
    creates nothing twice. At most ``MAX_TASKS_PER_CALL`` (10,000) tasks are created per call; the
    next call carries on. ``template.materialised_until`` records how far the work is done.
    """
    _check_call(now, days)
    return _materialise(session, template, now, days, MAX_TASKS_PER_CALL)


def _check_call(now: datetime, days: int) -> None:
    if now.tzinfo is None:
        raise ValueError("materialise needs a timezone-aware now")
    if not 1 <= days <= MAX_DAYS_AHEAD:
        raise InvalidInput(N_("Materialise between 1 and {most} days ahead."), most=MAX_DAYS_AHEAD)


def materialise_all(
    *, session: Session, now: datetime, days: int = 7, community_id: int | None = None
) -> int:
    """Materialise every active template (of one community, if given); at most 10,000 tasks in all."""
    _check_call(now, days)
    query = select(Template.id).where(Template.active.is_(True)).order_by(Template.id)
    if community_id is not None:
        query = query.where(Template.community_id == community_id)
    total = 0
    for template_id in session.scalars(query).all():
        if total >= MAX_TASKS_PER_CALL:
            break
        template = session.get(Template, template_id)
        if template is None:
            continue
        try:
            total += _materialise(session, template, now, days, MAX_TASKS_PER_CALL - total)
        except InvalidInput as error:  # a rule edited by hand into nonsense must not stop the others
            log.warning("template %s skipped: %s", template_id, error)
    return total


@dataclass(frozen=True)
class _Target:
    key: str
    place: Place | None = None
    household: Household | None = None
    last_day: date | None = None  # a household gets no work after its quarantine ends


def _targets(session: Session, template: Template) -> list[_Target]:
    if template.household_colour is not None:
        households = session.scalars(
            select(Household)
            .where(
                Household.community_id == template.community_id,
                Household.watch_colour == template.household_colour,
            )
            .options(selectinload(Household.building))
            .order_by(Household.id)
        )
        return [_Target(f"h{h.id}", h.building, h, h.quarantine_until) for h in households]
    if template.place_id is not None:
        place = session.get(Place, template.place_id)
        return [_Target(f"p{place.id}", place)] if place is not None else []
    if template.area_id is None and template.place_kind is None:
        return [_Target("-")]
    query = select(Place).where(Place.community_id == template.community_id).order_by(Place.id)
    if template.area_id is not None:
        query = query.where(Place.area_id.in_(_area_and_below(session, template.area_id)))
    if template.place_kind is not None:
        query = query.where(Place.kind == PlaceKind(template.place_kind))
    return [_Target(f"p{p.id}", p) for p in session.scalars(query)]


def _area_and_below(session: Session, area_id: int) -> set[int]:
    """The area and every area inside it (a zone and its grids)."""
    found, frontier = {area_id}, {area_id}
    while frontier:
        frontier = set(session.scalars(select(Area.id).where(Area.parent_id.in_(frontier)))) - found
        found |= frontier
    return found


def _materialise(session: Session, template: Template, now: datetime, days: int, budget: int) -> int:
    # One worker per template at a time on PostgreSQL (SQLite writers queue already); the unique
    # constraint and ON CONFLICT DO NOTHING below are the backstop.
    session.scalar(
        select(Template)
        .where(Template.id == template.id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: new tasks may still reference it
        .execution_options(populate_existing=True)
    )
    community = session.get(Community, template.community_id)
    if not template.active or community is None:
        return 0
    tz = ZoneInfo(community.timezone)
    start, end = now, now + timedelta(days=days)
    if template.until is not None:
        end = min(end, datetime.combine(template.until + timedelta(days=1), time(), tz).astimezone(UTC))
    if start >= end:
        return 0
    rule = parse_rule(template.rrule, template.starts_on, tz)
    rows, reached = _plan(session, template, _occurrences(rule, tz, start, end), now, budget, tz)
    created = _insert(session, template, rows, now)
    reached = reached or end
    if template.materialised_until is None or template.materialised_until < reached:
        template.materialised_until = reached
    return created


def _occurrences(
    rule: Rule, tz: ZoneInfo, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """(local wall-clock time, UTC moment) of each occurrence in ``[start, end)``."""
    low = start.astimezone(tz).replace(tzinfo=None) - _SLACK
    high = end.astimezone(tz).replace(tzinfo=None) + _SLACK
    previous = None
    for local in rule.xafter(low, inc=True):
        if local > high:
            return
        moment = local.replace(tzinfo=tz).astimezone(UTC)
        # A wall-clock time skipped by a DST change lands on the same instant as the next hour: once.
        if start <= moment < end and moment != previous:
            yield local, moment
        previous = moment


def _plan(
    session: Session,
    template: Template,
    occurrences: Iterator[tuple[datetime, datetime]],
    now: datetime,
    budget: int,
    tz: ZoneInfo,
) -> tuple[list[dict[str, Any]], datetime | None]:
    """The task rows still missing, and (when the budget ran out) the occurrence not finished."""
    kind = get_kind(template.kind)
    targets = _targets(session, template)
    busy = _busy_days(session, template, targets, now, tz)
    rows: list[dict[str, Any]] = []
    existing: set[str] | None = None
    for local, moment in occurrences:
        if existing is None:  # keys sort by their local time, so one bounded query finds them all
            existing = _existing_keys(session, template.id, _key(local - _SLACK, ""))
        for target in targets:
            if target.last_day is not None and local.date() > target.last_day:
                continue
            key = _key(local, target.key)
            if key in existing or (target.household and (target.household.id, local.date()) in busy):
                continue
            if len(rows) >= budget:
                return rows, moment
            rows.append(_task_row(template, kind, target, key, local, moment, now))
    return rows, None


def _busy_days(
    session: Session, template: Template, targets: list[_Target], now: datetime, tz: ZoneInfo
) -> set[tuple[int, date]]:
    """(household, local day) that already have live work of the template's kind from elsewhere, such as
    the call a household's watch colour makes (coord.services.watch): a household gets one call a day."""
    households = [t.household.id for t in targets if t.household is not None]
    if not households:
        return set()
    rows = session.execute(
        select(Task.household_id, Task.due_at).where(
            Task.household_id.in_(households),
            Task.kind == template.kind,
            Task.status != TaskStatus.CANCELLED,
            Task.due_at >= now - timedelta(days=1),
            or_(Task.template_id.is_(None), Task.template_id != template.id),
        )
    ).all()
    return {(household_id, due.astimezone(tz).date()) for household_id, due in rows if due is not None}


def _key(local: datetime, target: str) -> str:
    return f"{local:%Y-%m-%dT%H:%M}/{target}"


def _existing_keys(session: Session, template_id: int, lowest: str) -> set[str]:
    query = select(Task.occurrence_key).where(Task.template_id == template_id, Task.occurrence_key >= lowest)
    return {key for key in session.scalars(query) if key}


def _task_row(
    template: Template,
    kind: TaskKind,
    target: _Target,
    key: str,
    local: datetime,
    moment: datetime,
    now: datetime,
) -> dict[str, Any]:
    """A task as create_task makes it; a household's card names only its building (invariant 7)."""
    title = template.title.format(
        place=target.place.name if target.place else "", date=f"{local:%Y-%m-%d}", time=f"{local:%H:%M}"
    )
    shift = template.duration_minutes is not None
    return {
        "community_id": template.community_id,
        "kind": kind.name,
        "title": title[:200],
        "public_details": template.public_details,
        "private_details": "",  # the household link carries the address and phone to the assignee
        "place_id": target.place.id if target.place else None,
        "household_id": target.household.id if target.household else None,
        "team_id": template.team_id,
        "priority": template.priority,
        "starts_at": moment if shift else None,
        "ends_at": moment + timedelta(minutes=template.duration_minutes or 0) if shift else None,
        "due_at": moment + timedelta(minutes=template.due_minutes) if template.due_minutes else None,
        "capacity": template.capacity,
        "status": TaskStatus.OPEN,  # filled, escalation: the columns' defaults
        "skills": list(template.skills),
        "created_at": now,
        "template_id": template.id,
        "occurrence_key": key,
    }


def _insert(session: Session, template: Template, rows: list[dict[str, Any]], now: datetime) -> int:
    """Insert the rows, skipping any another worker inserted first; one task_created event each."""
    if not rows:
        return 0
    # One statement, executed for many rows: SQLAlchemy batches them into multi-row INSERTs.
    stmt = insert_new(session, Task, unique=["template_id", "occurrence_key"]).returning(
        Task.id, Task.occurrence_key
    )
    inserted = session.execute(stmt, rows).all()
    record_events(session, [_created_event(template, task_id, key, now) for task_id, key in inserted])
    return len(inserted)


def _created_event(template: Template, task_id: int, key: str, now: datetime) -> dict[str, Any]:
    return event_row(
        actor=RECURRENCE,
        action="task_created",
        community_id=template.community_id,
        at=now,
        task_id=task_id,
        template_id=template.id,
        occurrence=key,
        kind=template.kind,
        capacity=template.capacity,
        priority=str(template.priority),
    )
