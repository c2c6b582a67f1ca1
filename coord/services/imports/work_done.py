"""Importing completed work from paper records: one row per person's part of a task on an earlier day.

Columns (English or Chinese headers): date/日期, kind/类型, person/姓名, and optionally title/任务,
team/队伍, place/地点, check_in/签到 and done/完成 (HH:MM that day), hours/时长, figures/数据
(``buildings=2; households=40`` or ``楼栋数=2；覆盖户数=40``), note/备注. Rows with the same date, kind,
title, team and place are one task (a gate shift of two people: two rows). A part needs a done time or
hours; without a done time it ends at the check-in plus its hours, else at noon. Every row is checked
first (a date in the future, a done time before the check-in, over 24 hours in a day, an unknown person,
kind, team or place, a figure the kind does not record, the same person twice in one task): with any
problem, nothing is imported.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import CoordError, InvalidInput
from coord.i18n import N_, translate
from coord.kinds import KINDS, TaskKind, validate_figures
from coord.models import Community, CommunityKind, Person, Place, Team
from coord.models.kinds import find_kind
from coord.services.imports.job import ImportReport, _start
from coord.services.imports.rows import Problems, Row, Schema, _date, _text, read_rows, report_repeats
from coord.services.people.access import Actor
from coord.services.records.past import (
    PastPart,
    check_part,
    part_hours,
    record_past_work,
    refuse_recorded,
    served_on,
)

NOON = time(12, 0)


def _clock(value: str) -> time | None:
    if not value:
        return None
    match = re.fullmatch(r"(\d{1,2})[:：](\d{2})", value)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InvalidInput(N_("{column}: “{value}” is not a time like 08:30."), value=value)
    return time(int(match.group(1)), int(match.group(2)))


def _hours(value: str) -> float | None:
    if not value:
        return None
    try:
        hours = float(value.rstrip("hH小时 "))
    except ValueError:
        raise InvalidInput(
            N_("{column}: “{value}” is not a number of hours like 3.5."), value=value
        ) from None
    if not 0 <= hours <= 24:
        raise InvalidInput(N_("{hours} hours in one day cannot be right: a day has at most 24."), hours=value)
    return hours


def _figures(value: str) -> dict[str, str]:
    figures: dict[str, str] = {}
    for part in re.split(r"[;；,，、]", value):
        if not part.strip():
            continue
        name, equals, number = part.replace("＝", "=").partition("=")
        if not equals or not name.strip():
            raise InvalidInput(
                N_("{column}: write figures as NAME=VALUE; NAME=VALUE, e.g. buildings=2; households=40.")
            )
        figures[name.strip()] = number.strip()
    return figures


WORK_DONE = Schema(
    columns={
        "date": _date,
        "kind": _text(40, required=True),
        "title": _text(200),
        "person": _text(120, required=True),
        "team": _text(120),
        "place": _text(120),
        "check_in": _clock,
        "done": _clock,
        "hours": _hours,
        "figures": _figures,
        "note": _text(1000),
    },
    required=("date", "kind", "person"),
    aliases={
        "日期": "date",
        "类型": "kind",
        "工作类型": "kind",
        "任务类型": "kind",
        "任务": "title",
        "内容": "title",
        "工作内容": "title",
        "姓名": "person",
        "志愿者": "person",
        "name": "person",
        "队伍": "team",
        "小组": "team",
        "地点": "place",
        "签到": "check_in",
        "签到时间": "check_in",
        "checked_in": "check_in",
        "完成": "done",
        "完成时间": "done",
        "done_at": "done",
        "时长": "hours",
        "小时": "hours",
        "服务时长": "hours",
        "数据": "figures",
        "完成数据": "figures",
        "备注": "note",
    },
)


def kind_names() -> dict[str, TaskKind]:
    """Every way to name a kind: ``gate_shift``, ``gate duty``, ``门岗值守``."""
    names: dict[str, TaskKind] = {}
    for kind in KINDS.values():
        names[name_key(kind.name)] = kind
        for language in ("en", "zh"):
            names[name_key(translate(kind.label, language))] = kind
    return names


def figure_names(kind: TaskKind) -> dict[str, str]:
    """Every way to name a figure of ``kind``: ``households``, ``households served``, ``服务户数``."""
    names = {name_key(figure.name): figure.name for figure in kind.figures}
    for figure in kind.figures:
        for language in ("en", "zh"):
            names[name_key(translate(figure.label, language))] = figure.name
    return names


def name_key(text: str) -> str:
    return re.sub(r"[\s_]+", "", unicodedata.normalize("NFKC", text).lower())


class _Directory:
    """The community's people, teams and places by name, loaded once."""

    def __init__(self, session: Session, community: Community) -> None:
        self.session = session
        self.community_id = community.id
        people: dict[str, list[Person]] = {}
        for person in session.scalars(select(Person).where(Person.community_id == community.id)):
            people.setdefault(person.name, []).append(person)
        self.people = people
        self.teams = {
            t.name: t for t in session.scalars(select(Team).where(Team.community_id == community.id))
        }
        self.places = {
            p.name: p for p in session.scalars(select(Place).where(Place.community_id == community.id))
        }
        self.kinds = kind_names()

    def known_kinds(self) -> list[str]:
        """The built-in kinds' names and the community's own kinds' names."""
        own = self.session.scalars(
            select(CommunityKind.name).where(CommunityKind.community_id == self.community_id)
        )
        return [*KINDS, *own]

    def person(self, name: str) -> Person:
        found = [p for p in self.people.get(name, []) if p.active]
        if not found:
            raise InvalidInput(
                N_("Unknown person “{name}”: import people first, or check the name."), name=name
            )
        if len(found) > 1:
            raise InvalidInput(N_("{count} people are called “{name}”."), count=len(found), name=name)
        return found[0]


def import_work_done(
    *, session: Session, actor: Actor, community: Community, source: TextIO, now: datetime
) -> ImportReport:
    """Record the completed work of a CSV file of paper records, every row checked first, all or nothing."""
    job, problems = _start(session, actor, community)
    rows = read_rows(source, WORK_DONE, problems)
    directory = _Directory(session, community)
    zone = ZoneInfo(community.timezone)
    tasks: dict[tuple[Any, ...], list[tuple[Row, PastPart]]] = {}
    for row in (r for r in rows if r.ok):
        try:
            key, part = _part(row, directory, zone, now)
        except CoordError as error:
            problems.add(row.line, error.msgid, **error.params)
            row.ok = False
            continue
        row.target = (key, part.person.id)
        tasks.setdefault(key, []).append((row, part))
    report_repeats(rows, lambda row: row.target, problems)
    _check_figures_given(tasks, problems)
    _check_day_hours(session, [entry for parts in tasks.values() for entry in parts], zone, problems)
    problems.raise_if_any()
    with job.writing():
        for (day, kind, title, team, place), parts in tasks.items():
            record_past_work(
                session=session,
                actor=actor,
                community=community,
                kind=kind.name,
                title=title or f"{translate(kind.label, community.language)} {day.isoformat()}",
                team=directory.teams.get(team) if team else None,
                place=directory.places.get(place) if place else None,
                parts=[part for _, part in parts],
                note=parts[0][0].values.get("note") or "",
                now=now,
            )
    return job.done("work_done", rows, len(tasks), 0)


def _part(row: Row, directory: _Directory, zone: ZoneInfo, now: datetime) -> tuple[tuple[Any, ...], PastPart]:
    values = row.values
    day: date = values["date"]
    kind = directory.kinds.get(name_key(values["kind"])) or find_kind(
        directory.session, directory.community_id, values["kind"]
    )
    if kind is None:
        raise InvalidInput(
            N_("Unknown kind of work “{kind}”. Known kinds: {known}."),
            kind=values["kind"],
            known=", ".join(directory.known_kinds()),
        )
    for what, table, msgid in (
        ("team", directory.teams, N_("Unknown team “{name}”.")),
        ("place", directory.places, N_("Unknown place “{name}”.")),
    ):
        if values.get(what) and values[what] not in table:
            raise InvalidInput(msgid, name=values[what])
    person = directory.person(values["person"])
    check_in, done, hours = values.get("check_in"), values.get("done"), values.get("hours")
    if done is None and hours is None:
        raise InvalidInput(N_("Give the done time or the hours of each part."))
    checked_in_at = datetime.combine(day, check_in, tzinfo=zone) if check_in else None
    if done is not None:
        done_at = datetime.combine(day, done, tzinfo=zone)
    elif checked_in_at is not None:
        done_at = checked_in_at + timedelta(hours=hours or 0)
    else:
        done_at = datetime.combine(day, NOON, tzinfo=zone)
    names = figure_names(kind)
    raw = values.get("figures") or {}
    figures = {names.get(name_key(name), name): value for name, value in raw.items()}
    part = PastPart(person, done_at=done_at, checked_in_at=checked_in_at, hours=hours, figures=figures)
    check_part(kind, part, zone=zone, now=now, required=bool(figures))
    refuse_recorded(directory.session, part, kind.name, zone)
    key = (day, kind, values.get("title") or "", values.get("team") or "", values.get("place") or "")
    return key, part


def _check_figures_given(
    tasks: dict[tuple[Any, ...], list[tuple[Row, PastPart]]], problems: Problems
) -> None:
    """The work's figures are given on at least one row of each task (a paper sheet counts them per task);
    the rows that give them come first."""
    for key, parts in tasks.items():
        parts.sort(key=lambda entry: not entry[1].figures)
        if not parts[0][1].figures:
            try:
                validate_figures(key[1], {})
            except CoordError as error:
                problems.add(min(row.line for row, _ in parts), error.msgid, **error.params)


def _check_day_hours(
    session: Session, parts: list[tuple[Row, PastPart]], zone: ZoneInfo, problems: Problems
) -> None:
    """Nobody over 24 hours in a day, with what the file adds and what is already recorded: the line that
    goes over is named."""
    totals: dict[tuple[int, date], float] = {}
    for row, part in sorted(parts, key=lambda entry: entry[0].line):
        hours = part_hours(part) or 0.0
        day = part.done_at.astimezone(zone).date()
        key = (part.person.id, day)
        if key not in totals:
            totals[key] = served_on(session, part.person.id, day, zone)
        totals[key] += hours
        if totals[key] > 24:
            problems.add(
                row.line,
                N_("{name} would have served {hours} hours on {day}: a day has at most 24."),
                name=part.person.name,
                hours=_plain(totals[key]),
                day=day.isoformat(),
            )


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(round(number, 1))
