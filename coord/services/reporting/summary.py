"""The daily summary: the figures a community office reports, computed from facts (assignments, events).

A day's summary covers the 24 hours that end at the community's summary time (20:00 by default) on that
day, so consecutive summaries never count a thing twice or miss it; running totals cover everything up
to that moment. It is computed once, stored (``DailySummary``), and sent to the coordinators and to
each captain for their own team; ``coord.services.reporting.report`` renders it as text, a chart, CSV or XLSX.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from coord.db import insert_new
from coord.errors import NotFound
from coord.i18n import N_
from coord.models import (
    Assignment,
    AssignmentState,
    Community,
    DailySummary,
    Event,
    Notification,
    NotificationStatus,
    Task,
    TaskStatus,
    Team,
)
from coord.services.outbox.notifications import notify
from coord.services.people.people import captains_of, coordinators_of
from coord.services.reporting.counts import WorkCount, tidy, work_done

#: The figures of what fell through, each with a running total since the start.
FELL_THROUGH = ("unfilled", "no_shows", "overdue", "escalated")
LIST_LIMIT = 20  # tasks named in each "fell through" list
NO_TEAM = "0"


def period_of(community: Community, day: date) -> tuple[datetime, datetime]:
    """The 24 hours ending at the community's summary time on ``day`` (UTC)."""
    zone = ZoneInfo(community.timezone)
    end = datetime.combine(day, community.summary_time, tzinfo=zone)
    start = datetime.combine(day - timedelta(days=1), community.summary_time, tzinfo=zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def compute_summary(
    session: Session, community: Community, day: date, *, as_of: datetime | None = None
) -> dict[str, Any]:
    """The day's figures (JSON-ready) for ``community``, up to ``as_of`` (default: the period's end)."""
    start, end = period_of(community, day)
    until = min(as_of, end) if as_of else end
    teams: dict[int, str] = dict(
        session.execute(select(Team.id, Team.name).where(Team.community_id == community.id)).tuples().all()
    )
    summary: dict[str, Any] = {
        "community": community.name,
        "community_id": community.id,
        "day": day.isoformat(),
        "timezone": community.timezone,
        "period_start": start.isoformat(),
        "as_of": until.isoformat(),
        "teams": {str(tid): _empty(name) for tid, name in teams.items()},
        "today": _empty(""),
        "totals": _empty(""),
    }
    summary["teams"][NO_TEAM] = _empty("")
    for (kind, team_id), count in work_done(session, community.id, since=start, until=until).items():
        team = summary["teams"].setdefault(str(team_id or NO_TEAM), _empty(""))
        for scope in (summary["today"], team):
            _count(scope, kind, count)
    _add_fell_through(session, community.id, start, until, summary)
    summary["dead_messages"] = session.scalar(
        select(func.count()).where(
            Notification.community_id == community.id,
            Notification.status == NotificationStatus.DEAD,
            Notification.created_at >= start,
            Notification.created_at < until,
        )
    )
    from coord.services.requests.reports import request_figures  # residents' requests (issue 16)

    summary["requests"] = request_figures(session, community_id=community.id, start=start, end=until)
    _add_totals(session, community, day, start, until, summary)
    return summary


def _add_totals(
    session: Session,
    community: Community,
    day: date,
    start: datetime,
    until: datetime,
    summary: dict[str, Any],
) -> None:
    """Running totals since the community's start: the day before's stored totals plus today's when they
    join up, else counted afresh; every fell-through figure carries one too."""
    first_day = start_day(session, community)
    summary["days_running"] = max((day - first_day).days + 1, 0) if first_day else 0
    before = session.scalar(
        select(DailySummary).where(
            DailySummary.community_id == community.id, DailySummary.day == day - timedelta(days=1)
        )
    )
    joins_up = before is not None and datetime.fromisoformat(before.figures["as_of"]) == start
    if before is not None and joins_up and (first_day is None or before.day >= first_day):
        totals = json.loads(json.dumps(before.figures["totals"]))
        if all(what in totals for what in FELL_THROUGH):
            _merge(totals, summary["today"])
            summary["totals"] = totals
            return
    since = since_start(session, community)
    for (kind, _team), count in work_done(session, community.id, since=since, until=until).items():
        _count(summary["totals"], kind, count)
    queries = _fell_through_queries(community.id, since or datetime(1970, 1, 1, tzinfo=UTC), until)
    for what, query in queries.items():
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        summary["totals"][what] = int(total or 0)


def start_day(session: Session, community: Community) -> date | None:
    """The community's first day: its start date (a setting), else the local day of its first task."""
    if community.started_on is not None:
        return community.started_on
    of_community = Task.community_id == community.id
    made = session.scalar(select(func.min(Task.created_at)).where(of_community))
    # work entered afterwards was made later than it was done: its own times count
    done = session.scalar(
        select(func.min(Assignment.ended_at))
        .join(Task, Task.id == Assignment.task_id)
        .where(of_community, Task.entered_afterwards.is_(True))
    )
    first = min((moment for moment in (made, done) if moment is not None), default=None)
    return first.astimezone(ZoneInfo(community.timezone)).date() if first else None


def since_start(session: Session, community: Community) -> datetime | None:
    """When "since the start" begins: midnight of the community's start date, local time (None: always)."""
    if community.started_on is None:
        return None
    zone = ZoneInfo(community.timezone)
    return datetime.combine(community.started_on, time(0, 0), tzinfo=zone).astimezone(UTC)


def _merge(totals: dict[str, Any], today: dict[str, Any]) -> None:
    totals["done"] += today["done"]
    totals["completions"] = totals.get("completions", 0) + today.get("completions", 0)
    totals["hours"] = round(totals["hours"] + today["hours"], 2)
    for what in FELL_THROUGH:
        totals[what] = totals.get(what, 0) + today.get(what, 0)
    for kind, entry in today["kinds"].items():
        into = totals["kinds"].setdefault(kind, {"done": 0, "completions": 0, "figures": {}})
        into["done"] += entry["done"]
        into["completions"] = into.get("completions", 0) + entry.get("completions", 0)
        for name, value in entry["figures"].items():
            into["figures"][name] = tidy(into["figures"].get(name, 0) + value)


def _empty(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "done": 0,  # tasks done: each task once (coord.services.reporting.counts)
        "completions": 0,  # people's completions: each holder once
        "hours": 0.0,
        "kinds": {},
        "unfilled": 0,
        "no_shows": 0,
        "overdue": 0,
        "escalated": 0,
    }


def _count(scope: dict[str, Any], kind: str, count: WorkCount) -> None:
    scope["done"] += count.tasks
    scope["completions"] = scope.get("completions", 0) + count.completions
    scope["hours"] = round(scope["hours"] + count.seconds / 3600, 2)
    if not (count.tasks or count.completions):
        return
    entry = scope["kinds"].setdefault(kind, {"done": 0, "completions": 0, "figures": {}})
    entry["done"] += count.tasks
    entry["completions"] = entry.get("completions", 0) + count.completions
    for name, value in count.figures.items():
        entry["figures"][name] = tidy(entry["figures"].get(name, 0) + value)


def _add_fell_through(
    session: Session, community_id: int, start: datetime, until: datetime, summary: dict[str, Any]
) -> None:
    """Unfilled shifts, no-shows, overdue and escalated work in the period, per team; the first few named."""
    lists: dict[str, list[dict[str, Any]]] = {"unfilled": [], "no_shows": [], "overdue": [], "escalated": []}
    for what, query in _fell_through_queries(community_id, start, until).items():
        for task_id, title, team_id in session.execute(query.order_by(Task.id)).all():
            team = summary["teams"].setdefault(str(team_id or NO_TEAM), _empty(""))
            for scope in (summary["today"], team):
                scope[what] += 1
            if len(lists[what]) < LIST_LIMIT:
                lists[what].append({"task_id": task_id, "title": title, "team": str(team_id or NO_TEAM)})
    summary["lists"] = lists


def _fell_through_queries(community_id: int, start: datetime, until: datetime) -> dict[str, Any]:
    base = select(Task.id, Task.title, Task.team_id).where(Task.community_id == community_id)
    holder = aliased(Assignment)
    held_at_start = (
        select(func.count())
        .where(
            holder.task_id == Task.id,
            holder.claimed_at <= Task.starts_at,
            holder.state != AssignmentState.CANCELLED,
            (holder.ended_at.is_(None)) | (holder.ended_at > Task.starts_at),
        )
        .scalar_subquery()
    )
    finished_in_time = exists().where(
        holder.task_id == Task.id, holder.state == AssignmentState.DONE, holder.ended_at <= Task.due_at
    )
    escalated = select(Event.task_id).where(
        Event.community_id == community_id,
        Event.action == "escalated",
        Event.at >= start,
        Event.at < until,
        Event.data["condition"].as_string() != "claimed",  # reminders are not escalations
    )
    return {
        "unfilled": base.where(
            Task.starts_at >= start,
            Task.starts_at < until,
            Task.status != TaskStatus.CANCELLED,
            held_at_start < Task.capacity,
        ),
        "no_shows": base.join(Assignment, Assignment.task_id == Task.id).where(
            Assignment.state == AssignmentState.NO_SHOW,
            Assignment.ended_at >= start,
            Assignment.ended_at < until,
        ),
        "overdue": base.where(
            Task.due_at >= start, Task.due_at < until, Task.status != TaskStatus.CANCELLED, ~finished_in_time
        ),
        "escalated": base.where(Task.id.in_(escalated)),
    }


def stored_summary(session: Session, community: Community, day: date, *, now: datetime) -> dict[str, Any]:
    """The summary as sent if there is one, else computed now (for a day not yet over: so far)."""
    row = session.scalar(
        select(DailySummary).where(DailySummary.community_id == community.id, DailySummary.day == day)
    )
    return dict(row.figures) if row else compute_summary(session, community, day, as_of=now)


def revise_summaries(session: Session, community: Community, *, since: datetime) -> int:
    """Count again the stored summaries whose period saw ``since`` or later (work entered afterwards, hours
    corrected), day by day so each running total carries the revised day before. Returns how many."""
    rows = session.scalars(
        select(DailySummary)
        .where(DailySummary.community_id == community.id, DailySummary.as_of > since)
        .order_by(DailySummary.day)
    ).all()
    for row in rows:
        figures = compute_summary(session, community, row.day, as_of=row.as_of)
        figures["revised"] = True
        row.figures = figures
        session.flush()
    return len(rows)


def send_daily_summary(session: Session, *, community_id: int, day: date, now: datetime) -> int:
    """Compute, store and send the day's summary once: to coordinators, and each captain for their team."""
    community = session.get(Community, community_id)
    if community is None:
        raise NotFound(N_("There is no community “{ref}”."), ref=str(community_id))
    row = _store(session, community, day, now)
    readers: list[tuple[int, int | None]] = [(p, None) for p in coordinators_of(session, community.id)]
    for team in session.scalars(select(Team.id).where(Team.community_id == community.id).order_by(Team.id)):
        readers += [(p, team) for p in captains_of(session, team)]
    sent = 0
    for person_id, team_id in readers:
        new = notify(
            session,
            dedupe_key=f"summary:{row.id}:{person_id}:{team_id or 0}",
            community_id=community.id,
            person_id=person_id,
            msgid=N_("Daily summary for {community}, {day}"),
            params={
                "community": community.name,
                "day": day.isoformat(),
                "attach": "daily_summary",
                "summary_id": row.id,
                "team_id": team_id,
            },
            at=now,
        )
        sent += int(new)
    return sent


def _store(session: Session, community: Community, day: date, now: datetime) -> DailySummary:
    """The day's stored summary: computed and written now, unless it was already (then that one)."""
    figures = compute_summary(session, community, day, as_of=now)
    start, _ = period_of(community, day)
    values = {
        "community_id": community.id,
        "day": day,
        "period_start": start,
        "as_of": datetime.fromisoformat(figures["as_of"]),
        "figures": figures,
        "created_at": now,
    }
    session.execute(insert_new(session, DailySummary, unique=["community_id", "day"]), values)
    return session.scalars(
        select(DailySummary).where(DailySummary.community_id == community.id, DailySummary.day == day)
    ).one()
