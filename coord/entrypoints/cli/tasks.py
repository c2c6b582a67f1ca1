"""``coord task`` and ``coord tasks``: create, look at, cancel and assign work."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.chat.labels import FIGURE_LABELS, STATE, STATUS
from coord.chat.reporting import figure_names
from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.events import show_events
from coord.entrypoints.cli.runtime import Run, command_run
from coord.entrypoints.cli.times import local_day, parse_local_time, show_time, show_window
from coord.errors import InvalidInput, NotFound
from coord.i18n import N_
from coord.kinds import KINDS, get_kind, kind_named
from coord.models import Community, Household, Place, Priority, Task, TaskStatus, as_id
from coord.models.kinds import find_kind
from coord.services.people.communities import find_area, find_place
from coord.services.people.people import find_person, find_team
from coord.services.work.claims import assign, complete
from coord.services.work.tasks import TaskFilter, cancel_task, create_task, get_task, list_tasks

task_app = typer.Typer(help="One task: create, show, cancel, assign.", no_args_is_help=True)

TaskArgument = Annotated[int, typer.Argument(help="The task's number.")]
TimeHelp = "Local time: '2026-03-02 08:00', or '08:00' for today."


@task_app.command("create")
def create(
    kind: Annotated[str, typer.Option("--kind", help="delivery, purchase, gate_shift, disinfection, ...")],
    title: Annotated[str, typer.Option("--title", help="What the group chat sees.")],
    team: Annotated[str | None, typer.Option("--team")] = None,
    place: Annotated[str | None, typer.Option("--place", help="Place name.")] = None,
    household: Annotated[
        str | None, typer.Option("--household", help="Number, or address 12栋-3-402.")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help=TimeHelp)] = None,
    end: Annotated[str | None, typer.Option("--end", help=TimeHelp + " HH:MM is on the start's day.")] = None,
    due: Annotated[str | None, typer.Option("--due", help=TimeHelp)] = None,
    capacity: Annotated[int, typer.Option("--capacity", min=1, max=500, help="How many people.")] = 1,
    urgent: Annotated[bool, typer.Option("--urgent")] = False,
    details: Annotated[str, typer.Option("--details", help="Public details.")] = "",
    private: Annotated[str, typer.Option("--private-details", help="For the assignee only.")] = "",
    skill: Annotated[list[str] | None, typer.Option("--skill", help="Needed skill; repeat.")] = None,
    community: CommunityOption = None,
) -> None:
    """Create a task."""
    with command_run() as run:
        chosen = run.community(community)
        starts_at = _when(run, chosen, start)
        local_start = starts_at.astimezone(ZoneInfo(chosen.timezone)).date() if starts_at else None
        task = create_task(
            session=run.session,
            actor=run.actor,
            community=chosen,
            kind=kind,
            title=title,
            team=find_team(run.session, chosen.id, team) if team else None,
            public_details=details,
            private_details=private,
            place=find_place(run.session, chosen.id, place) if place else None,
            household=find_household(run.session, chosen.id, household) if household else None,
            priority=Priority.URGENT if urgent else Priority.NORMAL,
            starts_at=starts_at,
            ends_at=_when(run, chosen, end, day=local_start),
            due_at=_when(run, chosen, due),
            capacity=capacity,
            skills=skill or [],
            now=run.now,
        )
        run.out.line(N_("Created task #{id}: {title}"), id=task.id, title=task.title)


@task_app.command("show")
def show(task_id: TaskArgument, community: CommunityOption = None) -> None:
    """Show a task, who holds it, and its event log."""
    with command_run() as run:
        chosen = run.community(community)
        task = get_task(run.session, task_id, community_id=chosen.id)
        zone = chosen.timezone
        run.out.line(N_("Task #{id}: {title}"), id=task.id, title=task.title)
        run.out.fields(
            [
                (N_("kind"), kind_label(run, task.kind)),
                (N_("status"), status_label(run, task.status)),
                (N_("priority"), run.out.t(N_("urgent")) if task.priority == Priority.URGENT else ""),
                (N_("when"), show_window(task.starts_at, task.ends_at, task.due_at, zone)),
                (N_("team"), task.team.name if task.team else ""),
                (N_("place"), task.place.name if task.place else ""),
                (N_("household"), task.household.address if task.household else ""),
                (N_("contact"), _contact(task.household) if task.household else ""),
                (N_("slots"), f"{task.filled}/{task.capacity}"),
                (N_("skills"), ", ".join(task.skills)),
                (N_("details"), task.public_details),
                (N_("private details"), task.private_details),
            ]
        )
        if task.assignments:
            rows = run.out.table(
                N_("person"), N_("state"), N_("since"), N_("figures"), title=N_("Assignments")
            )
            for held in task.assignments:
                figures = ", ".join(
                    f"{run.out.t(FIGURE_LABELS.get(k, k))}={v}" for k, v in held.figures.items()
                )
                since = held.ended_at or held.checked_in_at or held.claimed_at
                state = run.out.t(STATE[held.state])
                rows.add(held.person.name, state, show_time(since, zone), figures or held.note)
        show_events(run, task.id, zone)


@task_app.command("cancel")
def cancel(
    task_id: TaskArgument,
    reason: Annotated[str, typer.Option("--reason", help="Told to whoever held a slot.")] = "",
    community: CommunityOption = None,
) -> None:
    """Cancel open or full work."""
    with command_run() as run:
        get_task(run.session, task_id, community_id=run.community(community).id)
        task = cancel_task(session=run.session, actor=run.actor, task_id=task_id, reason=reason, now=run.now)
        run.out.line(N_("Cancelled task #{id}: {title}"), id=task.id, title=task.title)


@task_app.command("assign")
def assign_command(
    task_id: TaskArgument,
    person: Annotated[str, typer.Argument(help="Person's exact name or number.")],
    community: CommunityOption = None,
) -> None:
    """Give a free slot of a task to a person."""
    with command_run() as run:
        task = get_task(run.session, task_id, community_id=run.community(community).id)
        who = find_person(run.session, task.community_id, person)
        assign(session=run.session, actor=run.actor, task_id=task.id, person=who, now=run.now)
        run.out.line(N_("Assigned task #{id} to {name}."), id=task.id, name=who.name)


@task_app.command("done")
def done_command(
    task_id: TaskArgument,
    person: Annotated[str, typer.Argument(help="The holder's exact name or number.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is recorded for them (required).")],
    figure: Annotated[
        list[str] | None, typer.Option("--figure", help="NAME=VALUE, e.g. people_checked=30; repeat.")
    ] = None,
    community: CommunityOption = None,
) -> None:
    """Record a holder's part of a task done for them (paper records, no phone at the post)."""
    with command_run() as run:
        task = get_task(run.session, task_id, community_id=run.community(community).id)
        who = find_person(run.session, task.community_id, person)
        names = figure_names(get_kind(task.kind))  # people_checked, 检查人数, people checked
        figures = {names.get(name.lower(), name): value for name, value in map(_figure, figure or [])}
        complete(
            session=run.session,
            actor=run.actor,
            task_id=task.id,
            figures=figures,
            note=reason,
            person=who,
            now=run.now,
        )
        run.out.line(N_("Recorded task #{id} done for {name}."), id=task.id, name=who.name)


def _figure(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise InvalidInput(N_("Give a figure as NAME=VALUE, for example people_checked=30."))
    return name.strip(), value.strip()


def tasks(
    status: Annotated[
        list[TaskStatus] | None, typer.Option("--status", help="Repeat for several (default: still to do).")
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind")] = None,
    team: Annotated[str | None, typer.Option("--team")] = None,
    zone: Annotated[str | None, typer.Option("--zone", help="A zone (with its grids) or a grid.")] = None,
    today: Annotated[bool, typer.Option("--today", help="Only work starting or due today.")] = False,
    urgent: Annotated[bool, typer.Option("--urgent", help="Only urgent work.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    community: CommunityOption = None,
) -> None:
    """List tasks: urgent first, then by time."""
    with command_run() as run:
        chosen = run.community(community)
        day = local_day(run.now, chosen.timezone) if today else (None, None)
        flt = TaskFilter(
            status=tuple(status) if status else TaskFilter.status,
            kind=(find_kind(run.session, chosen.id, kind) or get_kind(kind)).name if kind else None,
            team_id=find_team(run.session, chosen.id, team).id if team else None,
            within_area_id=find_area(run.session, chosen.id, zone).id if zone else None,
            priority=Priority.URGENT if urgent else None,
            starting_after=day[0],
            starting_before=day[1],
        )
        found = list_tasks(run.session, chosen.id, flt, limit=limit)
        _task_rows(run, found, chosen.timezone)
        if not found:
            run.out.line(N_("No tasks match."))
        elif len(found) == limit:
            run.out.line(N_("Showing the first {limit}; use --limit for more."), limit=limit)


def _task_rows(run: Run, found: list[Task], timezone: str) -> None:
    rows = run.out.table(
        N_("#"), N_("when"), N_("kind"), N_("title"), N_("place"), N_("team"), N_("slots"), N_("status")
    )
    for task in found:
        rows.add(
            task.id,
            show_window(task.starts_at, task.ends_at, task.due_at, timezone),
            ("‼ " if task.priority == Priority.URGENT else "") + kind_label(run, task.kind),
            task.title,
            task.place.name if task.place else "",
            task.team.name if task.team else "",
            f"{task.filled}/{task.capacity}",
            status_label(run, task.status),
        )


def kind_label(run: Run, kind: str) -> str:
    """A kind of work as the CLI shows it: its name in English (what ``--kind`` takes), its label in Chinese
    (``gate_shift`` is 卡口值守), so a Chinese listing has no English left in it."""
    known = kind_named(kind)  # a community's own kind shows its label in either language
    if known is not None and (run.out.language != "en" or kind not in KINDS):
        return run.out.t(known.label)
    return kind


def status_label(run: Run, status: TaskStatus) -> str:
    """A task's status: as ``--status`` takes it in English, in words in Chinese (进行中)."""
    return str(status) if run.out.language == "en" else run.out.t(STATUS[status])


def find_household(session: Session, community_id: int, ref: str) -> Household:
    """A household by number, or by its address: building-unit-room, or building-room."""
    text = ref.strip()
    query = (
        select(Household)
        .join(Place, Place.id == Household.building_id)
        .where(Household.community_id == community_id)
    )
    candidates: list[tuple[str, str, str]] = []
    parts = text.rsplit("-", 2)
    if len(parts) == 3:
        candidates.append((parts[0], parts[1], parts[2]))
    building, _, room = text.rpartition("-")
    if building:
        candidates.append((building, "", room))
    number = as_id(text)
    found = session.scalar(query.where(Household.id == number)) if number is not None else None
    for building, unit, room in candidates:
        found = found or session.scalar(
            query.where(Place.name == building, Household.unit == unit, Household.room == room)
        )
    if found is None:
        raise NotFound(N_("There is no household “{ref}”."), ref=text[:60])
    return found


def _contact(household: Household) -> str:
    """Private: the operator's CLI may read it, like a coordinator (invariant 7)."""
    return " ".join(part for part in (household.contact_name, household.phone) if part)


def _when(run: Run, community: Community, value: str | None, day: date | None = None) -> datetime | None:
    if value is None:
        return None
    return parse_local_time(value, timezone=community.timezone, now=run.now, day=day)
