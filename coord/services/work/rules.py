"""Who may take a slot of which task, when a holder may report it done, and what a person refused is told.

``claim_refusal_reason`` is the claim rule, the one place it is written: a pure function of the task, the
person's skills, the moment, the person's health today and the shifts they hold. A volunteer's claim and a
captain's assignment reach it through ``check_claimable``; auto-assignment calls it for every candidate
with what it read in bulk; a reassignment asks its one rule about the person (``check_free_then``). The
rules, in order: the task is done or cancelled, over, needs skills the person lacks, the person declared
themselves unwell today or (where the community asks for one) made no declaration yet, or holds another
shift whose window overlaps this one (DESIGN.md invariant 11: one person, one place at a time). Then the
slot itself may be refused (``refusal_to_take``): the person already holds one, or none is free. A task of
another community is never found in the first place (``tasks.get_task``), so it is told as unknown.

``done_refusal`` is the rule of a shift's end (不得无故脱岗): a holder reports a shift done only once it has
started, and a shift that needs a check-in only after checking in; a captain recording it for them may
skip the check-in (``done_from``), never the start.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, join, select
from sqlalchemy.orm import Session

from coord.errors import AlreadyClaimed, CoordError, InvalidTransition, NotAllowed, TaskFull, Unwell
from coord.i18n import MOMENTS, N_, moment_param
from coord.kinds import get_kind
from coord.models import (
    ACTIVE_STATES,
    Assignment,
    AssignmentState,
    Community,
    HealthDeclaration,
    Person,
    Task,
    TaskStatus,
)
from coord.services.escalation.alerts import local_time
from coord.services.people.access import Actor, is_coordinator, is_member

# What a captain is told placing someone from outside the team (``check_placeable``).
PLACED_OUTSIDE = N_("A captain gives work to the team only; {name} is not in it. Ask a coordinator.")
REASSIGNED_OUTSIDE = N_("A captain reassigns within the team; {name} is not in it. Ask a coordinator.")


class Health(enum.StrEnum):
    """A person's health today, as the claim rule reads it (None where nothing is asked or known)."""

    WELL = "well"
    UNWELL = "unwell"  # declared "not well" today: no new work, whatever the community asks
    UNDECLARED = "undeclared"  # the community asks for a declaration and none was made today


@dataclass(frozen=True)
class HeldShift:
    """A shift a person holds and has not finished: the task and its window."""

    task_id: int
    title: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Refusal:
    """Why a person may not take a slot: ``closed`` (with the task's status), ``over``, ``skills`` (with
    the missing ones), ``unwell``, ``undeclared`` or ``clash`` (with the shift held at that time)."""

    reason: str
    status: str = ""
    missing: str = ""
    clash: HeldShift | None = None


def claim_refusal_reason(
    task: Task,
    skills: Iterable[str],
    moment: datetime,
    *,
    health: Health | None,
    held: Iterable[HeldShift],
) -> Refusal | None:
    """Why a person with ``skills`` may not take a slot of ``task`` at ``moment``, or None when they may.

    ``health`` is the person's health today (``health_of``), None where nothing is asked or known;
    ``held`` the shifts they hold and have not finished (any of them: those far from this one never clash).
    """
    if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        return Refusal("closed", status=task.status)
    shift_over = task.ends_at is not None and moment >= task.ends_at
    deadline_passed = task.due_at is not None and not task.starts_at and moment >= task.due_at
    if shift_over or deadline_passed:
        return Refusal("over")
    missing = sorted(set(task.skills) - set(skills))
    if missing:
        return Refusal("skills", missing=", ".join(missing))
    if health in (Health.UNWELL, Health.UNDECLARED):
        return Refusal(str(health))
    clash = clashing_shift(task, held)
    if clash is not None:
        return Refusal("clash", clash=clash)
    return None


def clashing_shift(task: Task, held: Iterable[HeldShift]) -> HeldShift | None:
    """The first of ``held`` (by start) whose window overlaps ``task``'s, other than ``task`` itself."""
    start, end = task.starts_at, task.ends_at
    if start is None or end is None:
        return None
    overlapping = [h for h in held if h.task_id != task.id and h.starts_at < end and start < h.ends_at]
    return min(overlapping, key=lambda h: (h.starts_at, h.task_id), default=None)


def health_of(*, required: bool, declared: bool | None) -> Health | None:
    """Health today from today's declaration (None: none made) and whether the community asks for one."""
    if declared is False:
        return Health.UNWELL
    if not required:
        return None
    return Health.WELL if declared else Health.UNDECLARED


def check_claimable(
    session: Session, task: Task, person: Person, moment: datetime, *, assigned: bool = False
) -> None:
    """Raise the reason ``person`` may not take a slot of ``task`` now, if there is one.

    ``assigned``: someone else (a captain, a coordinator) gives them the slot; no declaration is asked
    for, and a refusal names the person."""
    community = session.get(Community, task.community_id)
    zone = community.timezone if community else "UTC"
    declared, held = person_today(session, person, task, moment, zone)
    required = bool(community and community.requires_health_declaration)
    health = None if assigned else health_of(required=required, declared=declared)
    refused = claim_refusal_reason(task, person.skills, moment, health=health, held=held)
    if refused is not None:
        name = person.name if assigned else None
        raise claim_refusal(refused, task.id, name=name, zone=zone, now=moment)


def check_placeable(
    session: Session, actor: Actor, task: Task, person: Person, *, refused: str = PLACED_OUTSIDE
) -> None:
    """Raise if ``actor`` may not give a slot of ``task`` to ``person``: the rule of who a lead may place,
    shared by an assignment and a reassignment. The person must be an active member of the task's
    community; a captain places only members of the task's team (a coordinator or the system anyone), so
    a household's details never reach someone the team does not know."""
    if person.community_id != task.community_id or not person.active:
        raise NotAllowed(N_("{name} cannot take work in this community."), name=person.name)
    if actor.person is None or is_coordinator(session, actor.person, task.community_id):
        return
    if task.team_id is None or not is_member(session, person.id, task.team_id):
        raise NotAllowed(refused, name=person.name)


def check_free_then(session: Session, task: Task, person: Person, moment: datetime) -> None:
    """Raise the clash if ``person`` holds another shift overlapping ``task``'s window: all a reassignment
    asks of the person it hands a slot to (the slot exists already; work past its time may still change
    hands), so invariant 11 holds whoever gives the slot."""
    zone = community_zone(session, task.community_id)
    clash = clashing_shift(task, person_today(session, person, task, moment, zone)[1])
    if clash is not None:
        raise claim_refusal(Refusal("clash", clash=clash), task.id, name=person.name, zone=zone, now=moment)


# Built once (a claim's statements are its dearest part): in one statement, the person's health
# declaration of the day and the unfinished shifts they hold that overlap a window, the task being taken
# left out (holding a slot of it is told as such, ``refusal_to_take``). One row when nothing overlaps.
_WINDOW = Task.ends_at.type
_OVERLAPPING = join(
    Assignment,
    Task,
    and_(
        Task.id == Assignment.task_id,
        Task.starts_at < bindparam("ends_at", type_=_WINDOW),
        Task.ends_at > bindparam("starts_at", type_=_WINDOW),
    ),
)
_TODAY = (
    select(HealthDeclaration.healthy, Task.id, Task.title, Task.starts_at, Task.ends_at)
    .select_from(Person)
    .outerjoin(
        HealthDeclaration,
        and_(HealthDeclaration.person_id == Person.id, HealthDeclaration.day == bindparam("today")),
    )
    .outerjoin(
        _OVERLAPPING,
        and_(
            Assignment.person_id == Person.id,
            Assignment.state.in_(ACTIVE_STATES),
            Assignment.task_id != bindparam("task_id"),
        ),
    )
    .where(Person.id == bindparam("person_id"))
)


def person_today(
    session: Session, person: Person, task: Task, moment: datetime, zone: str
) -> tuple[bool | None, list[HeldShift]]:
    """``person``'s health declaration of the day in ``zone`` (None: none made), and the shifts they hold
    that overlap ``task``'s window (none for work without one).

    For a shift the person's row is locked first (``lock_people``), so two claims of one person at once
    are told apart: the second reads the shifts the first took (invariant 11 under concurrency)."""
    if task.starts_at is not None:
        lock_people(session, [person.id])
    values = {
        "person_id": person.id,
        "task_id": task.id,
        "today": moment.astimezone(ZoneInfo(zone)).date(),
        "starts_at": task.starts_at,
        "ends_at": task.ends_at,
    }
    rows = session.execute(_TODAY, values).all()
    declared = rows[0][0] if rows else None
    return declared, [HeldShift(*row[1:]) for row in rows if row[1] is not None]


def lock_people(session: Session, person_ids: Sequence[int], *, skip_locked: bool = False) -> set[int]:
    """Lock these people's rows until the transaction ends, so each one's shifts change in one
    transaction at a time; returns those locked (with ``skip_locked``, the rows another transaction holds
    are left out). PostgreSQL only: SQLite runs one writing transaction at a time anyway.

    ``FOR NO KEY UPDATE``: the key-share locks of rows that refer to a person (a new slot, an event) do
    not wait for it."""
    if session.get_bind().dialect.name != "postgresql" or not person_ids:
        return set(person_ids)
    query = select(Person.id).where(Person.id.in_(person_ids)).order_by(Person.id)
    return set(session.scalars(query.with_for_update(key_share=True, skip_locked=skip_locked)))


def claim_refusal(
    refused: Refusal, task_id: int, *, name: str | None = None, zone: str = "UTC", now: datetime | None = None
) -> CoordError:
    """The error a claim refused for ``refused.reason`` raises, in the person's words; ``name`` when
    someone else gave them the slot (a clash is then told about them)."""
    if refused.reason == "closed":
        return InvalidTransition(
            N_("Task #{task_id} is {status}; look at the open tasks instead."),
            task_id=task_id,
            status=str(TaskStatus(refused.status)),
        )
    if refused.reason == "over":
        return InvalidTransition(
            N_("Task #{task_id} is already over; look at the open tasks instead."), task_id=task_id
        )
    if refused.reason == "skills":
        return NotAllowed(
            N_("Task #{task_id} needs: {skills}. Ask your captain if you can help otherwise."),
            task_id=task_id,
            skills=refused.missing,
        )
    if refused.reason == "unwell":
        return Unwell(
            N_(
                "You declared yourself unwell today, so you cannot take on work. Please rest; "
                "once you are well again, send “health yes” and claim again."
            )
        )
    if refused.reason == "clash" and refused.clash is not None:
        clash = refused.clash
        window = window_text(clash.starts_at, clash.ends_at, zone, now or clash.starts_at)
        return _clash(refused.clash, task_id, name, window)
    return NotAllowed(N_("Please send today's health declaration before claiming work."))


def _clash(held: HeldShift, task_id: int, name: str | None, window: str) -> CoordError:
    params = {"held_id": held.task_id, "title": held.title, "window": window}
    if name is None:
        return NotAllowed(
            N_(
                "You hold task #{held_id} “{title}” {window} then; one person keeps one post at a time. "
                "Give that one back first, or choose another shift."
            ),
            task_id=task_id,
            **params,
        )
    return NotAllowed(
        N_(
            "{name} holds task #{held_id} “{title}” {window} then; one person keeps one post at a time. "
            "Choose someone else."
        ),
        task_id=task_id,
        name=name,
        **params,
    )


class ShownWindow(str):
    """A shift's window as text (``03-04 08:00–12:00``) that keeps its moments, so a chat reply shows it the
    way the rest of the reply shows dates, in the reader's language (``3月4日周三 08:00–12:00``)."""

    starts_at: datetime
    ends_at: datetime
    zone: str
    dated: bool  # the start's date is shown (it is not today)
    end_dated: bool  # the end's date is shown too (it falls on another day)

    def __new__(
        cls, text: str, *, starts_at: datetime, ends_at: datetime, zone: str, dated: bool
    ) -> ShownWindow:
        shown = super().__new__(cls, text)
        shown.starts_at, shown.ends_at, shown.zone, shown.dated = starts_at, ends_at, zone, dated
        tz = ZoneInfo(zone)
        shown.end_dated = ends_at.astimezone(tz).date() != starts_at.astimezone(tz).date()
        return shown


def window_text(starts_at: datetime, ends_at: datetime, zone: str, now: datetime) -> str:
    """``08:00–12:00`` in the community's timezone; the date as well when it is not today (``local_time``),
    once when both ends fall on it (``03-04 08:00–12:00``). A ``ShownWindow``: a chat reply shows it in the
    reader's language."""
    tz = ZoneInfo(zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    tail = end.strftime("%H:%M") if end.date() == start.date() else local_time(ends_at, tz, now)
    dated = start.date() != now.astimezone(tz).date()
    text = f"{local_time(starts_at, tz, now)}–{tail}"
    return ShownWindow(text, starts_at=starts_at, ends_at=ends_at, zone=zone, dated=dated)


def done_from(task: Task, *, on_behalf: bool) -> tuple[AssignmentState, ...]:
    """The states a slot may be reported done from: checked in, for work done at a post (a captain
    recording it for the holder may skip the check-in); any unfinished state for other work."""
    if get_kind(task.kind).needs_check_in and not on_behalf:
        return (AssignmentState.CHECKED_IN,)
    return ACTIVE_STATES


def done_refusal(
    task: Task, state: AssignmentState, moment: datetime, *, on_behalf: bool, zone: str
) -> CoordError | None:
    """Why the holder of an unfinished slot in ``state`` may not report ``task`` done at ``moment`` (nor a
    captain for them, ``on_behalf``); None when they may, or when the slot is not unfinished."""
    if state not in ACTIVE_STATES:
        return None
    check_in_first = state not in done_from(task, on_behalf=on_behalf)
    if task.starts_at is not None and moment < task.starts_at:
        start = {"start": moment_param(task.starts_at, zone, moment), MOMENTS: ["start"]}
        if check_in_first:
            return InvalidTransition(
                N_(
                    "Task #{task_id} starts at {start}. Check in at your post first, "
                    "then report it done after the start."
                ),
                task_id=task.id,
                **start,
            )
        return InvalidTransition(
            N_("Task #{task_id} starts at {start}; it can be reported done only after the start."),
            task_id=task.id,
            **start,
        )
    if check_in_first:
        return InvalidTransition(
            N_("Check in at your post first, then report task #{task_id} done."), task_id=task.id
        )
    return None


def community_zone(session: Session, community_id: int) -> str:
    """The community's timezone, as its people read times."""
    community = session.get(Community, community_id)
    return community.timezone if community else "UTC"


def refusal_to_take(task_id: int, *, already: bool) -> AlreadyClaimed | TaskFull:
    """The error when the slot itself cannot be had: the person holds one already, or none is free."""
    if already:
        return AlreadyClaimed(N_("You already hold a slot of task #{task_id}."), task_id=task_id)
    return TaskFull(
        N_("Task #{task_id} is full: every slot is taken. Look at the other open tasks."), task_id=task_id
    )
