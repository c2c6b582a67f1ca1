"""Records in chat: a check-in for a member (``checkinfor`` / 代签到), a correction of hours (``hours`` /
改时长), and the coordinators' upward report (``upward`` / 上报). Past work is ``past_work``.
"""

from __future__ import annotations

from coord.chat.context import Context, task_arg
from coord.chat.conversations import STOP_BUTTON, begin, finish, flow
from coord.chat.parse import Command, fold
from coord.chat.past_work import HOURS, day_named
from coord.chat.port import Phrase, Reply
from coord.chat.words import SKIP_WORDS
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import Conversation, Person
from coord.services.people.access import require_lead
from coord.services.people.people import find_person
from coord.services.records import (
    check_in_for,
    confirm_shift_hours,
    correct_hours,
)
from coord.services.reporting.upward import upward_report
from coord.services.work.tasks import get_task

WINDOW_WORDS = frozenset({"shift", "window", "整班", "全班", "班次"})


# ---- on behalf and hours ----------------------------------------------------------------------------------


def check_in_for_member(ctx: Context, command: Command) -> list[Reply]:
    """``checkinfor 12 NAME``: the captain checks a member in; I ask why."""
    task_id = task_arg(command.args[0] if command.args else None, N_("checkinfor 12 NAME"))
    _require_lead(ctx, task_id)
    person = _named(ctx, command.text_from(1), N_("checkinfor 12 NAME"))
    begin(ctx, "checkinfor", "reason", {"task_id": task_id, "for": person.id})
    return [
        _ask_reason(
            ctx, N_("Why do you check {name} in for task #{task_id}? One line is enough."), task_id, person
        )
    ]


@flow("checkinfor", free_text={"reason"})
def _check_in_reason(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    data = dict(conversation.data)
    person = find_person(ctx.session, ctx.community.id, int(data["for"]))
    task_id = int(data["task_id"])
    if not value.strip() or value.strip().lower() in SKIP_WORDS:
        return [
            _ask_reason(
                ctx,
                N_("Why do you check {name} in for task #{task_id}? One line is enough."),
                task_id,
                person,
            )
        ]

    def check_in() -> list[Reply]:
        ctx.attempt(
            lambda: check_in_for(
                session=ctx.session,
                actor=ctx.actor,
                task_id=task_id,
                person=person,
                reason=value,
                now=ctx.now,
            )
        )
        return [ctx.say(N_("{name} is checked in for task #{task_id}."), name=person.name, task_id=task_id)]

    return finish(ctx, check_in)


def hours(ctx: Context, command: Command) -> list[Reply]:
    """``hours 12 NAME 3.5`` corrects a person's hours (I ask why); ``hours 12 NAME shift`` confirms the
    whole shift window."""
    example = N_("hours 12 NAME 3.5")
    task_id = task_arg(command.args[0] if command.args else None, example)
    _require_lead(ctx, task_id)
    words = list(command.as_typed[1:])
    last = fold(words[-1]).lower() if words else ""
    if last in WINDOW_WORDS:
        person = _named(ctx, " ".join(words[:-1]), example)
        served = ctx.attempt(
            lambda: confirm_shift_hours(
                session=ctx.session, actor=ctx.actor, task_id=task_id, person=person, now=ctx.now
            )
        )
        return [
            ctx.say(
                N_("{name} served {hours} hours on task #{task_id}."),
                name=person.name,
                hours=served,
                task_id=task_id,
            )
        ]
    match = HOURS.fullmatch(last)
    if match is None or len(words) < 2:
        raise InvalidInput(
            N_("Write it as {example}, or “hours 12 NAME shift” for the whole shift."), example=example
        )
    person = _named(ctx, " ".join(words[:-1]), example)
    data = {"task_id": task_id, "for": person.id, "hours": float(match.group(1))}
    begin(ctx, "hours", "reason", data)
    return [
        _ask_reason(
            ctx, N_("Why do {name}'s hours for task #{task_id} change? One line is enough."), task_id, person
        )
    ]


@flow("hours", free_text={"reason"})
def _hours_reason(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    data = dict(conversation.data)
    person = find_person(ctx.session, ctx.community.id, int(data["for"]))
    task_id, new = int(data["task_id"]), float(data["hours"])
    if not value.strip() or value.strip().lower() in SKIP_WORDS:
        return [
            _ask_reason(
                ctx,
                N_("Why do {name}'s hours for task #{task_id} change? One line is enough."),
                task_id,
                person,
            )
        ]

    def correct() -> list[Reply]:
        old = ctx.attempt(
            lambda: correct_hours(
                session=ctx.session,
                actor=ctx.actor,
                task_id=task_id,
                person=person,
                hours=new,
                reason=value,
                now=ctx.now,
            )
        )
        return [
            ctx.say(
                N_("{name}'s hours for task #{task_id}: {old} → {new}."),
                name=person.name,
                task_id=task_id,
                old="—" if old is None else old,
                new=new,
            )
        ]

    return finish(ctx, correct)


def _named(ctx: Context, text: str, example: str) -> Person:
    ref = text.strip().lstrip("#")
    if not ref:
        raise InvalidInput(N_("Name the person: {example}."), example=example)
    return find_person(ctx.session, ctx.community.id, ref)


def _require_lead(ctx: Context, task_id: int) -> None:
    """Refused at once, before any question: only the task's captain or a coordinator may."""
    task = get_task(ctx.session, task_id, community_id=ctx.community.id)
    require_lead(ctx.session, ctx.actor, task.community_id, task.team_id)


def _ask_reason(ctx: Context, text: str, task_id: int, person: Person) -> Reply:
    return ctx.say(text, buttons=[[STOP_BUTTON]], task_id=task_id, name=person.name)


# ---- the upward report ------------------------------------------------------------------------------------


def upward(ctx: Context, command: Command) -> list[Reply]:
    """The office's figures for the street office: the day (today, or the day named) and since the start."""
    day = ctx.today()
    if command.args:
        named = day_named(ctx, command.args[0].lower())
        if named is None:
            raise InvalidInput(N_("“{value}” is not a day I can read."), value=command.args[0][:30])
        day = named
    report = upward_report(ctx.session, actor=ctx.actor, community=ctx.community, day=day, now=ctx.now)
    lines = tuple(
        Phrase(
            N_("{figure}: {today} today, {total} since the start"),
            {"figure": Phrase(line.label), "today": line.today, "total": line.total},
        )
        for line in report.lines
    )
    return [
        ctx.say(
            N_("Report to the street office — {community}, {day} (day {days})\n{lines}"),
            community=report.community,
            day=day.isoformat(),
            days=report.days_running,
            lines=lines,
        )
    ]
