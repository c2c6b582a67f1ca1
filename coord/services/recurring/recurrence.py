"""Recurring work: templates (an RFC 5545 rule times a set of targets) materialised into tasks.

A rule is evaluated on the community's wall clock from ``starts_on`` 00:00 local, so "08:00"
stays 08:00 across a daylight-saving change; each local occurrence becomes UTC through zoneinfo.
Materialising is idempotent: every task carries ``(template_id, occurrence_key)``, unique together,
and rows are inserted with ON CONFLICT DO NOTHING so two workers at once never duplicate a task.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as Rule
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coord.clock import utcnow
from coord.db import insert_new
from coord.errors import InvalidInput, NotFound
from coord.i18n import N_
from coord.kinds import TaskKind, get_kind
from coord.models import (
    Area,
    Community,
    Household,
    Place,
    PlaceKind,
    Priority,
    Task,
    TaskStatus,
    Team,
    Template,
    WatchColour,
)
from coord.services.outbox.events import event_row, record_event, record_events
from coord.services.people.access import Actor, require_lead
from coord.services.recurring.rules import check_happens, parse_rule, rule_body
from coord.services.work.tasks import MAX_CAPACITY

log = logging.getLogger(__name__)

#: At most this many tasks are created by one call; the rest come with the next call.
MAX_TASKS_PER_CALL = 10_000
MAX_DAYS_AHEAD = 366
MAX_SHIFT_MINUTES = 24 * 60
MAX_DUE_MINUTES = 7 * 24 * 60
TITLE_FIELDS = ("place", "date", "time")
RECURRENCE = Actor.system("recurrence")
_SLACK = timedelta(hours=3)  # wider than any UTC offset change, for comparing wall-clock times


def create_template(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    name: str,
    kind: str,
    title: str,
    rrule: str,
    starts_on: date,
    until: date | None = None,
    team: Team | None = None,
    public_details: str = "",
    priority: Priority = Priority.NORMAL,
    duration_minutes: int | None = None,
    due_minutes: int | None = None,
    capacity: int = 1,
    skills: list[str] | None = None,
    place: Place | None = None,
    area: Area | None = None,
    place_kind: str | None = None,
    household_colour: WatchColour | None = None,
    now: datetime | None = None,
) -> Template:
    """New recurring work, by the team's captain or a coordinator; its tasks appear when materialised.

    Targets, at most one sort: ``place``; the places in ``area`` (a zone includes its grids) and/or of
    ``place_kind``; or the households of ``household_colour``, each only up to its quarantine_until.
    Without a target each occurrence is one task. Shift kinds need ``duration_minutes``; other kinds may
    have ``due_minutes`` (a deadline after each occurrence), or neither. Titles may use {place}, {date}
    and {time}; a household's task names only its building.
    """
    require_lead(session, actor, community.id, team.id if team else None)
    task_kind = get_kind(kind)
    name = _check_basics(name, capacity, starts_on, until)
    kind_of_place = _check_targets(community, team, place, area, place_kind, household_colour)
    targeted = any(t is not None for t in (place, area, kind_of_place, household_colour))
    title = _check_title(title, has_place=targeted)
    _check_timing(task_kind, duration_minutes, due_minutes)
    rule_text = rule_body(rrule)
    check_happens(parse_rule(rule_text, starts_on, ZoneInfo(community.timezone)), rule_text)
    template = Template(
        community_id=community.id,
        name=name,
        kind=task_kind.name,
        title=title,
        public_details=public_details.strip(),
        team_id=team.id if team else None,
        priority=priority,
        rrule=rule_text,
        starts_on=starts_on,
        until=until,
        duration_minutes=duration_minutes,
        due_minutes=due_minutes,
        capacity=capacity,
        skills=sorted({s.strip().lower() for s in skills or [] if s.strip()}),
        place_id=place.id if place else None,
        area_id=area.id if area else None,
        place_kind=kind_of_place,
        household_colour=household_colour,
    )
    session.add(template)
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="template_created",
        community_id=community.id,
        template_id=template.id,
        name=name,
        rrule=rule_text,
    )
    return template


def deactivate_template(
    *, session: Session, actor: Actor, template_id: int, now: datetime | None = None
) -> Template:
    """Stop a template making new tasks; tasks it already made stay as they are."""
    template = session.get(Template, template_id) if 0 < template_id < 2**62 else None
    if template is None or (actor.person and actor.person.community_id != template.community_id):
        raise NotFound(N_("There is no template #{template_id}."), template_id=template_id)
    require_lead(session, actor, template.community_id, template.team_id)
    if template.active:
        template.active = False
        record_event(
            session,
            at=now or utcnow(),
            actor=actor,
            action="template_deactivated",
            community_id=template.community_id,
            template_id=template.id,
        )
    return template


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


def _check_basics(name: str, capacity: int, starts_on: date, until: date | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(N_("A template needs a name of 1 to 120 characters."))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(N_("A task needs between 1 and {most} people."), most=MAX_CAPACITY)
    if until is not None and until < starts_on:
        raise InvalidInput(N_("The last day cannot be before the first day."))
    return name


def _check_title(title: str, *, has_place: bool) -> str:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(N_("A task needs a title of 1 to 200 characters."))
    allowed = ", ".join("{" + f + "}" for f in TITLE_FIELDS)
    try:
        fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(title) if f is not None]
    except ValueError:
        raise InvalidInput(N_("A title may use {allowed} and no other braces."), allowed=allowed) from None
    for field, spec, conversion in fields:
        if field not in TITLE_FIELDS or spec or conversion:
            raise InvalidInput(
                N_("“{field}” cannot be used in a title; use {allowed}."), field=field[:30], allowed=allowed
            )
        if field == "place" and not has_place:
            raise InvalidInput(
                N_("The title names {field}, but the template has no place or households."),
                field="{place}",
            )
    return title


def _check_timing(kind: TaskKind, duration: int | None, due: int | None) -> None:
    if duration is not None and due is not None:
        raise InvalidInput(N_("Give a shift length or a deadline, not both."))
    if kind.shift and duration is None:
        raise InvalidInput(N_("{kind} is shift work: give the shift length in minutes."), kind=kind.name)
    if duration is not None and not 1 <= duration <= MAX_SHIFT_MINUTES:
        raise InvalidInput(N_("A shift lasts between 1 and {most} minutes."), most=MAX_SHIFT_MINUTES)
    if due is not None and not 1 <= due <= MAX_DUE_MINUTES:
        raise InvalidInput(
            N_("A deadline is between 1 and {most} minutes after each occurrence."), most=MAX_DUE_MINUTES
        )


def _check_targets(
    community: Community,
    team: Team | None,
    place: Place | None,
    area: Area | None,
    place_kind: str | None,
    colour: WatchColour | None,
) -> str | None:
    """Validate the targets; return the kind of place, normalised."""
    chosen = [place is not None, area is not None or place_kind is not None, colour is not None]
    if sum(chosen) > 1:
        raise InvalidInput(
            N_("Choose one kind of target: a place, places in an area, or households of a colour.")
        )
    for thing in (team, place, area):
        if thing is not None and thing.community_id != community.id:
            raise InvalidInput(N_("Everything a task names must belong to the same community."))
    if place_kind is None:
        return None
    try:
        return PlaceKind(place_kind.strip().lower()).value
    except ValueError:
        raise InvalidInput(
            N_("Unknown kind of place “{value}”. Known kinds: {known}."),
            value=place_kind[:30],
            known=", ".join(k.value for k in PlaceKind),
        ) from None


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
    rows, reached = _plan(session, template, _occurrences(rule, tz, start, end), now, budget)
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
) -> tuple[list[dict[str, Any]], datetime | None]:
    """The task rows still missing, and (when the budget ran out) the occurrence not finished."""
    kind = get_kind(template.kind)
    targets = _targets(session, template)
    rows: list[dict[str, Any]] = []
    existing: set[str] | None = None
    for local, moment in occurrences:
        if existing is None:  # keys sort by their local time, so one bounded query finds them all
            existing = _existing_keys(session, template.id, _key(local - _SLACK, ""))
        for target in targets:
            if target.last_day is not None and local.date() > target.last_day:
                continue
            key = _key(local, target.key)
            if key in existing:
                continue
            if len(rows) >= budget:
                return rows, moment
            rows.append(_task_row(template, kind, target, key, local, moment, now))
    return rows, None


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
