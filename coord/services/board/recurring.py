"""The board's Recurring work page: the community's templates (a coordinator: all; a captain: their teams'),
each with its rule as the days and times of the coming week, its targets, its next occurrences and the tasks
it made for today; and a coordinator stopping one through the recurring service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotFound
from coord.i18n import N_
from coord.models import Area, Place, Task, Team, Template, as_id
from coord.services.board.today import cell_state
from coord.services.board.viewer import Viewer
from coord.services.recurring.rules import parse_rule
from coord.services.recurring.templates import deactivate_template

#: How many coming occurrences each template lists, and how far ahead the rule is read.
NEXT_COUNT = 5
WEEK = timedelta(days=7)
_MOST_PER_WEEK = 7 * 24 * 2  # more than an hourly rule makes in a week: the loop's bound


@dataclass(frozen=True)
class DayTimes:
    """Some weekdays (0 = Monday) of the coming week on which the rule runs at the same local times."""

    weekdays: tuple[int, ...]
    times: tuple[str, ...]  # "08:00", local


@dataclass(frozen=True)
class TodayTask:
    task_id: int
    title: str
    state: str  # one of coord.services.board.today.STATES
    filled: int
    capacity: int
    at: datetime | None


@dataclass(frozen=True)
class RecurringWork:
    """One template as the page shows it."""

    template_id: int
    name: str
    kind: str
    team: str | None
    place: str | None  # one place
    area: str | None  # the places in an area ...
    place_kind: str | None  # ... and/or of a kind (PlaceKind value)
    colour: str | None  # or the households of a watch colour
    capacity: int
    active: bool
    starts_on: str
    until: str | None
    rule_ok: bool  # False when the stored rule no longer parses (edited by hand): nothing is made of it
    week: list[DayTimes]  # the rule in plain words: days and times of the seven days from today
    upcoming: list[datetime]  # the next few occurrences (UTC)
    today: list[TodayTask]  # the tasks it made for today, with their state


def recurring_page(session: Session, *, viewer: Viewer, now: datetime) -> list[RecurringWork]:
    """The templates ``viewer`` leads (a coordinator: the community's; a captain: their teams'), active ones
    first, each with its coming week and today's tasks."""
    query = select(Template).where(Template.community_id == viewer.community.id)
    if not viewer.coordinator:
        query = query.where(Template.team_id.in_(sorted(viewer.team_ids)))
    templates = list(session.scalars(query.order_by(Template.active.desc(), Template.name, Template.id)))
    if not templates:
        return []
    zone = ZoneInfo(viewer.community.timezone)
    names = _names(session, templates)
    today = _todays_tasks(session, [t.id for t in templates], now, zone)
    return [_work(t, names, today.get(t.id, []), now, zone) for t in templates]


def stop_template(session: Session, *, viewer: Viewer, template_id: int, now: datetime) -> str:
    """Stop a template making new tasks (what it made stays); returns its name. Who may is the recurring
    service's rule, as from the CLI: a coordinator, or the captain of the template's team."""
    template = session.get(Template, template_id) if as_id(template_id) is not None else None
    if template is None or template.community_id != viewer.community.id:
        raise NotFound(N_("There is no template #{template_id}."), template_id=template_id)
    deactivate_template(session=session, actor=viewer.actor, template_id=template.id, now=now)
    return template.name


def _names(session: Session, templates: list[Template]) -> dict[tuple[str, int], str]:
    """("team" | "place" | "area", id) → name, for every template's team and targets, in three queries."""
    found: dict[tuple[str, int], str] = {}
    for label, model, ids in (
        ("team", Team, {t.team_id for t in templates}),
        ("place", Place, {t.place_id for t in templates}),
        ("area", Area, {t.area_id for t in templates}),
    ):
        wanted = sorted(i for i in ids if i is not None)
        if wanted:
            rows = session.execute(select(model.id, model.name).where(model.id.in_(wanted)))
            found |= {(label, number): name for number, name in rows}
    return found


def _todays_tasks(
    session: Session, template_ids: list[int], now: datetime, zone: ZoneInfo
) -> dict[int, list[TodayTask]]:
    """Each template's tasks for today (local): their occurrence keys start with today's date."""
    day = now.astimezone(zone).date()
    rows = session.scalars(
        select(Task)
        .where(Task.template_id.in_(template_ids), Task.occurrence_key.like(f"{day:%Y-%m-%d}T%"))
        .order_by(Task.occurrence_key, Task.id)
    )
    found: dict[int, list[TodayTask]] = {}
    for task in rows:
        assert task.template_id is not None
        end = task.ends_at or task.due_at
        found.setdefault(task.template_id, []).append(
            TodayTask(
                task.id,
                task.title,
                cell_state(task.status, task.filled, task.capacity, end, now),
                task.filled,
                task.capacity,
                task.starts_at or task.due_at,
            )
        )
    return found


def _work(
    template: Template,
    names: dict[tuple[str, int], str],
    today: list[TodayTask],
    now: datetime,
    zone: ZoneInfo,
) -> RecurringWork:
    day_start = datetime.combine(now.astimezone(zone).date(), time(), zone).astimezone(UTC)
    try:  # from today's start, so the week shows today's earlier times too
        coming = _coming(template, zone, day_start, now + WEEK)
        rule_ok = True
    except InvalidInput:
        coming, rule_ok = [], False
    return RecurringWork(
        template_id=template.id,
        name=template.name,
        kind=template.kind,
        team=names.get(("team", template.team_id)) if template.team_id else None,
        place=names.get(("place", template.place_id)) if template.place_id else None,
        area=names.get(("area", template.area_id)) if template.area_id else None,
        place_kind=template.place_kind,
        colour=str(template.household_colour) if template.household_colour else None,
        capacity=template.capacity,
        active=template.active,
        starts_on=f"{template.starts_on:%Y-%m-%d}",
        until=f"{template.until:%Y-%m-%d}" if template.until else None,
        rule_ok=rule_ok,
        week=_week([m for m in coming if m < day_start + WEEK], zone),
        upcoming=[m for m in coming if m >= now][:NEXT_COUNT] if template.active else [],
        today=today,
    )


def _coming(template: Template, zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The rule's occurrences in ``[start, end)`` (UTC), within its first and last day, read on the
    community's wall clock as materialisation reads it."""
    rule = parse_rule(template.rrule, template.starts_on, zone)
    low = start.astimezone(zone).replace(tzinfo=None)
    high = end.astimezone(zone).replace(tzinfo=None)
    if template.until is not None:
        high = min(high, datetime.combine(template.until + timedelta(days=1), time()))
    found: list[datetime] = []
    for local in rule.xafter(low, count=_MOST_PER_WEEK, inc=True):
        if local >= high:
            break
        moment = local.replace(tzinfo=zone).astimezone(UTC)
        if not found or moment != found[-1]:  # a wall-clock time a DST change skips: once
            found.append(moment)
    return found


def _week(coming: list[datetime], zone: ZoneInfo) -> list[DayTimes]:
    """The coming week's occurrences as weekdays sharing the same times, Monday first."""
    by_day: dict[int, list[str]] = {}
    for moment in coming:
        local = moment.astimezone(zone)
        times = by_day.setdefault(local.weekday(), [])
        label = f"{local:%H:%M}"
        if label not in times:
            times.append(label)
    groups: dict[tuple[str, ...], list[int]] = {}
    for weekday in sorted(by_day):
        groups.setdefault(tuple(sorted(by_day[weekday])), []).append(weekday)
    return sorted((DayTimes(tuple(days), times) for times, days in groups.items()), key=lambda d: d.weekdays)
