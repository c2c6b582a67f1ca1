"""Exports for the office: hours served over a chosen period (per person, team or kind, for thank-you letters
and certificates), the watch list and the households. CSV or XLSX, every cell through ``cells.safe_cell``.

Hours count as every report counts them (``counts``): a slot's set hours, else check-in to done; a period is
whole local days, ``first`` to ``last`` inclusive, by when the work ended. The watch list and the households
carry private details: coordinators only, and each export is recorded as a read of every household in it
(``coord.services.privacy.reads.record_read``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput
from coord.i18n import N_, translate
from coord.kinds import kind_named
from coord.models import (
    Assignment,
    AssignmentState,
    Community,
    Household,
    Membership,
    Person,
    Task,
    Team,
    WatchColour,
)
from coord.services.people.access import Actor, require_coordinator, require_lead
from coord.services.privacy.reads import EXPORT, record_read
from coord.services.reporting.cells import csv_text, xlsx_bytes
from coord.services.reporting.counts import served_seconds, work_done

EXPORT_FORMATS = ("csv", "xlsx")
HOURS_BY = ("person", "team", "kind")
MAX_DAYS = 366


def export_file(title: str, rows: Sequence[Sequence[Any]], format: str) -> str | bytes:
    """``rows`` as CSV text or XLSX bytes, formula-looking text written as text."""
    if format not in EXPORT_FORMATS:
        raise InvalidInput(N_("Unknown export format “{value}”; use csv or xlsx."), value=format[:20])
    return csv_text(rows) if format == "csv" else xlsx_bytes([(title, rows)])


def period(community: Community, first: date, last: date) -> tuple[datetime, datetime]:
    """Local midnight of ``first`` to local midnight after ``last``, in UTC."""
    if last < first:
        raise InvalidInput(N_("The period ends before it begins."))
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(N_("Choose a period of at most {days} days."), days=MAX_DAYS)
    zone = ZoneInfo(community.timezone)
    start = datetime.combine(first, time(0, 0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def hours_rows(
    session: Session,
    *,
    actor: Actor,
    community: Community,
    first: date,
    last: date,
    by: str = "person",
    team: Team | None = None,
    language: str | None = None,
) -> list[list[Any]]:
    """Hours served from ``first`` to ``last``, per person, team or kind (a captain: their team's people)."""
    if by not in HOURS_BY:
        raise InvalidInput(N_("Count hours by person, team or kind, not “{value}”."), value=by[:20])
    if team is None:
        require_coordinator(session, actor, community.id)
    else:
        require_lead(session, actor, community.id, team.id)
    lang = language or community.language
    since, until = period(community, first, last)
    if by == "person":
        return _per_person(session, community, since, until, team, lang)
    counts = work_done(session, community.id, since=since, until=until)
    teams = dict(
        session.execute(select(Team.id, Team.name).where(Team.community_id == community.id)).tuples().all()
    )
    totals: dict[str, list[float]] = {}
    for (kind, team_id), count in counts.items():
        if team is not None and team_id != team.id:
            continue
        if by == "team":
            key = teams.get(team_id or 0) or translate(N_("no team"), lang)
        else:
            known = kind_named(kind)
            key = translate(known.label, lang) if known else kind
        into = totals.setdefault(key, [0, 0, 0.0])
        into[0] += count.tasks
        into[1] += count.completions
        into[2] += count.seconds
    header = [_t(N_("team") if by == "team" else N_("kind"), lang), *_counted(lang)]
    body = [[key, int(v[0]), int(v[1]), round(v[2] / 3600, 2)] for key, v in sorted(totals.items())]
    return [_period_line(first, last, lang), header, *body, _total(body, lang)]


def _per_person(
    session: Session, community: Community, since: datetime, until: datetime, team: Team | None, lang: str
) -> list[list[Any]]:
    done = Assignment.state == AssignmentState.DONE
    query = (
        select(
            Person.id,
            Person.name,
            func.count(func.distinct(Task.id)).filter(done),
            func.sum(served_seconds(session)),
        )
        .join(Assignment, Assignment.person_id == Person.id)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Task.community_id == community.id,
            Assignment.ended_at >= since,
            Assignment.ended_at < until,
            done | Assignment.checked_in_at.is_not(None) | Assignment.hours.is_not(None),
        )
        .group_by(Person.id, Person.name)
        .order_by(Person.name, Person.id)
    )
    if team is not None:
        query = query.where(Person.id.in_(select(Membership.person_id).where(Membership.team_id == team.id)))
    team_names = _teams_of_people(session, community.id)
    header = [_t(N_("person"), lang), _t(N_("team"), lang), *_counted(lang)[1:]]
    body = [
        [name, team_names.get(person_id, ""), int(tasks or 0), round(float(seconds or 0) / 3600, 2)]
        for person_id, name, tasks, seconds in session.execute(query).all()
    ]
    total = [_t(N_("total"), lang), "", sum(r[2] for r in body), round(sum(r[3] for r in body), 2)]
    return [_period_line_from(since, until, community, lang), header, *body, total]


def _teams_of_people(session: Session, community_id: int) -> dict[int, str]:
    names: dict[int, list[str]] = {}
    rows = session.execute(
        select(Membership.person_id, Team.name)
        .join(Team, Team.id == Membership.team_id)
        .where(Team.community_id == community_id)
        .order_by(Team.name)
    )
    for person_id, name in rows:
        names.setdefault(person_id, []).append(name)
    return {person_id: "、".join(teams) for person_id, teams in names.items()}


def _counted(lang: str) -> list[str]:
    return [_t(N_("tasks done"), lang), _t(N_("people's completions"), lang), _t(N_("hours served"), lang)]


def _total(body: list[list[Any]], lang: str) -> list[Any]:
    return [
        _t(N_("total"), lang),
        sum(r[1] for r in body),
        sum(r[2] for r in body),
        round(sum(r[3] for r in body), 2),
    ]


def _period_line(first: date, last: date, lang: str) -> list[Any]:
    return [
        _t(N_("Hours served from {first} to {last}"), lang, first=first.isoformat(), last=last.isoformat())
    ]


def _period_line_from(since: datetime, until: datetime, community: Community, lang: str) -> list[Any]:
    zone = ZoneInfo(community.timezone)
    first = since.astimezone(zone).date()
    last = (until.astimezone(zone) - timedelta(days=1)).date()
    return _period_line(first, last, lang)


def households_rows(
    session: Session,
    *,
    actor: Actor,
    community: Community,
    watched_only: bool,
    now: datetime,
    language: str | None = None,
) -> list[list[Any]]:
    """Every household (or only those on the watch list) with its private details; a recorded read."""
    require_coordinator(session, actor, community.id)
    lang = language or community.language
    query = select(Household).where(Household.community_id == community.id).order_by(Household.id)
    if watched_only:
        query = query.where(Household.watch_colour.is_not(None))
    households = session.scalars(query).all()
    header = [
        _t(w, lang)
        for w in (
            N_("address"),
            N_("contact"),
            N_("phone"),
            N_("watch colour"),
            N_("why"),
            N_("quarantine until"),
            N_("elderly"),
            N_("lives alone"),
            N_("notes"),
        )
    ]
    body = [
        [
            h.address,
            h.contact_name,
            h.phone,
            _colour(h.watch_colour, lang),
            h.watch_reason,
            h.quarantine_until.isoformat() if h.quarantine_until else "",
            _yes(h.elderly, lang),
            _yes(h.lives_alone, lang),
            h.notes,
        ]
        for h in households
    ]
    record_read(  # one read per household exported, and the event
        session,
        actor=actor,
        community_id=community.id,
        what=EXPORT,
        at=now,
        households=[h.id for h in households],
        channel=EXPORT,
        action="exported",
        export="watch_list" if watched_only else "households",
        rows=len(body),
    )
    return [header, *body]


COLOURS = {
    WatchColour.RED: N_("red"),
    WatchColour.YELLOW: N_("yellow"),
    WatchColour.BLUE: N_("blue"),
    WatchColour.GREEN: N_("green"),
}


def _colour(colour: WatchColour | None, lang: str) -> str:
    return _t(COLOURS[colour], lang) if colour else ""


def _yes(value: bool, lang: str) -> str:
    return _t(N_("yes"), lang) if value else ""


def _t(msgid: str, lang: str, **params: Any) -> str:
    return translate(msgid, lang, **params)
