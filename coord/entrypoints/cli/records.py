"""``coord record``: paper records entered afterwards, check-ins on someone's behalf, hours, the start date.

Each command acts as the operator (channel ``cli``), or with ``--by NAME`` as that captain or coordinator,
whose permissions then apply; either way the events say who entered it and from which channel.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.runtime import Run, command_run
from coord.entrypoints.cli.times import parse_clock_time, parse_day, parse_local_time
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.kinds import TaskKind, get_kind
from coord.models import Community
from coord.models.kinds import find_kind
from coord.services.imports.work_done import figure_names, name_key
from coord.services.people.access import Actor
from coord.services.people.communities import find_place
from coord.services.people.people import find_person, find_team
from coord.services.records import (
    PastPart,
    check_in_for,
    confirm_shift_hours,
    correct_hours,
    record_past_work,
    set_start_date,
)
from coord.services.work.tasks import get_task

record_app = typer.Typer(
    help="Records: past work from paper, check-ins for someone, hours, the start date.", no_args_is_help=True
)

TaskArgument = Annotated[int, typer.Argument(help="The task's number.")]
PersonArgument = Annotated[str, typer.Argument(help="The person's exact name or number.")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Entered by this captain or coordinator (default: the operator).")
]


def _actor(run: Run, community: Community, by: str | None) -> Actor:
    if by is None:
        return run.actor
    return Actor(find_person(run.session, community.id, by), run.actor.channel)


@record_app.command("work")
def work(
    day: Annotated[str, typer.Option("--date", help="The day it was done: 2026-02-20.")],
    kind: Annotated[str, typer.Option("--kind", help="gate_shift, disinfection, 消杀, ...")],
    person: Annotated[list[str], typer.Option("--person", help="Who did it; repeat for each person.")],
    title: Annotated[str | None, typer.Option("--title", help="What it was (default: the kind).")] = None,
    team: Annotated[str | None, typer.Option("--team")] = None,
    place: Annotated[str | None, typer.Option("--place")] = None,
    check_in: Annotated[str | None, typer.Option("--check-in", help="HH:MM that day.")] = None,
    done: Annotated[str | None, typer.Option("--done", help="HH:MM that day.")] = None,
    hours: Annotated[float | None, typer.Option("--hours", help="Hours each served.")] = None,
    figure: Annotated[
        list[str] | None, typer.Option("--figure", help="NAME=VALUE, e.g. buildings=3; repeat.")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Where the record comes from.")] = "",
    by: ByOption = None,
    community: CommunityOption = None,
) -> None:
    """Record work done on an earlier day (a paper sheet): who did it, times or hours, figures."""
    with command_run() as run:
        place_of = run.community(community)
        when = parse_day(day, timezone=place_of.timezone, now=run.now)
        task_kind = find_kind(run.session, place_of.id, kind) or get_kind(kind)  # says which there are
        parts = _parts(run, place_of, task_kind, when, person, (check_in, done, hours), figure)
        task = record_past_work(
            session=run.session,
            actor=_actor(run, place_of, by),
            community=place_of,
            kind=task_kind.name,
            title=title or f"{run.t(task_kind.label)} {when.isoformat()}",
            team=find_team(run.session, place_of.id, team) if team else None,
            place=find_place(run.session, place_of.id, place) if place else None,
            parts=parts,
            note=note,
            now=run.now,
        )
        run.out.line(
            N_("Recorded task #{id} done on {day} by {count} person, entered afterwards."),
            id=str(task.id),
            day=when.isoformat(),
            count=len(parts),
        )


@record_app.command("fill")
def fill(
    task_id: TaskArgument,
    person: Annotated[list[str], typer.Option("--person", help="Who did it; repeat for each person.")],
    check_in: Annotated[str | None, typer.Option("--check-in", help="HH:MM that day.")] = None,
    done: Annotated[str | None, typer.Option("--done", help="HH:MM that day.")] = None,
    hours: Annotated[float | None, typer.Option("--hours", help="Hours each served.")] = None,
    figure: Annotated[list[str] | None, typer.Option("--figure", help="NAME=VALUE; repeat.")] = None,
    note: Annotated[str, typer.Option("--note", help="Where the record comes from.")] = "",
    by: ByOption = None,
    community: CommunityOption = None,
) -> None:
    """Fill in who did a task of past work (made from a past roster with --past)."""
    from coord.services.records.rosters import fill_in

    with command_run() as run:
        place_of = run.community(community)
        task = get_task(run.session, task_id, community_id=place_of.id)
        zone = ZoneInfo(place_of.timezone)
        day = (task.starts_at or task.due_at or task.created_at).astimezone(zone).date()
        parts = _parts(run, place_of, get_kind(task.kind), day, person, (check_in, done, hours), figure)
        fill_in(
            session=run.session,
            actor=_actor(run, place_of, by),
            task_id=task.id,
            parts=parts,
            note=note,
            now=run.now,
        )
        run.out.line(
            N_("Recorded task #{id} done on {day} by {count} person, entered afterwards."),
            id=str(task.id),
            day=day.isoformat(),
            count=len(parts),
        )


def _parts(
    run: Run,
    community: Community,
    kind: TaskKind,
    day: date,
    people: list[str],
    times: tuple[str | None, str | None, float | None],
    figure: list[str] | None,
) -> list[PastPart]:
    """Each named person's part: the same check-in and done times (or hours); the figures are the work's,
    given once (on the first part)."""
    check_in, done, hours = times
    if done is None and hours is None:
        raise InvalidInput(N_("Give the done time or the hours of each part."))
    zone = ZoneInfo(community.timezone)
    checked_in_at = datetime.combine(day, parse_clock_time(check_in), tzinfo=zone) if check_in else None
    if done is not None:
        done_at = datetime.combine(day, parse_clock_time(done), tzinfo=zone)
    elif checked_in_at is not None:
        done_at = checked_in_at + timedelta(hours=hours or 0)
    else:
        done_at = datetime.combine(day, time(12, 0), tzinfo=zone)
    names = figure_names(kind)
    figures = {names.get(name_key(n), n): v for n, v in map(_figure, figure or [])}
    return [
        PastPart(
            find_person(run.session, community.id, who),
            done_at=done_at,
            checked_in_at=checked_in_at,
            hours=hours,
            figures=figures if index == 0 else {},  # the work's figures, once
        )
        for index, who in enumerate(people)
    ]


@record_app.command("checkin")
def checkin(
    task_id: TaskArgument,
    person: PersonArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why it is recorded for them (required).")],
    at: Annotated[
        str | None, typer.Option("--at", help="When they arrived: HH:MM or a date and time.")
    ] = None,
    by: ByOption = None,
    community: CommunityOption = None,
) -> None:
    """Check a member in for a task on their behalf (no phone at the post, a paper sign-in sheet)."""
    with command_run() as run:
        place_of = run.community(community)
        task = get_task(run.session, task_id, community_id=place_of.id)
        who = find_person(run.session, place_of.id, person)
        when = parse_local_time(at, timezone=place_of.timezone, now=run.now) if at else None
        check_in_for(
            session=run.session,
            actor=_actor(run, place_of, by),
            task_id=task.id,
            person=who,
            reason=reason,
            at=when,
            now=run.now,
        )
        run.out.line(N_("Checked {name} in for task #{id}."), name=who.name, id=task.id)


@record_app.command("hours")
def hours_command(
    task_id: TaskArgument,
    person: PersonArgument,
    hours: Annotated[float, typer.Argument(help="The right number of hours.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the hours change (required).")],
    by: ByOption = None,
    community: CommunityOption = None,
) -> None:
    """Correct a person's hours for a task (recorded with the old and the new value)."""
    with command_run() as run:
        place_of = run.community(community)
        who = find_person(run.session, place_of.id, person)
        old = correct_hours(
            session=run.session,
            actor=_actor(run, place_of, by),
            task_id=get_task(run.session, task_id, community_id=place_of.id).id,
            person=who,
            hours=hours,
            reason=reason,
            now=run.now,
        )
        run.out.line(
            N_("{name}'s hours for task #{id}: {old} → {new}."),
            name=who.name,
            id=task_id,
            old="—" if old is None else old,
            new=hours,
        )


@record_app.command("confirm")
def confirm(
    task_id: TaskArgument, person: PersonArgument, by: ByOption = None, community: CommunityOption = None
) -> None:
    """Confirm a person served the whole shift window: its length becomes their hours."""
    with command_run() as run:
        place_of = run.community(community)
        who = find_person(run.session, place_of.id, person)
        hours = confirm_shift_hours(
            session=run.session,
            actor=_actor(run, place_of, by),
            task_id=get_task(run.session, task_id, community_id=place_of.id).id,
            person=who,
            now=run.now,
        )
        run.out.line(N_("{name} served {hours} hours on task #{id}."), name=who.name, hours=hours, id=task_id)


@record_app.command("start")
def start(
    day: Annotated[
        str, typer.Argument(help="The community's first day of work (2026-01-25), or - to clear.")
    ],
    community: CommunityOption = None,
) -> None:
    """Set the community's start date: "since the start" in every report counts from it."""
    with command_run() as run:
        place_of = run.community(community)
        when = None if day.strip() == "-" else parse_day(day, timezone=place_of.timezone, now=run.now)
        set_start_date(session=run.session, actor=run.actor, community=place_of, day=when, now=run.now)
        if when is None:
            run.out.line(N_("No start date: since the start counts from the first task."))
        else:
            run.out.line(N_("Since the start counts from {day}."), day=when.isoformat())


def _figure(text: str) -> tuple[str, str]:
    name, equals, value = text.replace("＝", "=").partition("=")
    if not equals or not name.strip():
        raise InvalidInput(N_("Give a figure as NAME=VALUE, for example people_checked=30."))
    return name.strip(), value.strip()
