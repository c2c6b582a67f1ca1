"""How a task looks in chat: a one-line summary for lists, and the card with its buttons.

A card carries only public details (invariant 7); private details go in a separate reply whose
target is the person's direct chat, and only to a holder or a lead.
"""

from __future__ import annotations

from dataclasses import replace

from coord import payloads
from coord.chat.context import Context
from coord.chat.labels import STATUS
from coord.chat.port import Button, Moment, Phrase, Reply
from coord.i18n import N_
from coord.kinds import KINDS, kind_named
from coord.models import AssignmentState, Priority, Task, TaskStatus
from coord.services.people.access import can_see_private
from coord.services.work.notices import private_text, record_task_read


def kind_phrase(kind: str) -> Phrase:
    known = kind_named(kind)  # built in, or the community's own
    return Phrase(known.label if known else kind)


def when_phrase(task: Task, zone: str) -> Phrase:
    """The shift's window or the deadline, in the community's timezone."""
    if task.starts_at is not None and task.ends_at is not None:
        same_day = (task.ends_at - task.starts_at).total_seconds() < 20 * 3600
        return Phrase(
            N_("{start}–{end}"),
            {
                "start": Moment(task.starts_at, zone),
                "end": Moment(task.ends_at, zone, with_date=not same_day),
            },
        )
    if task.due_at is not None:
        return Phrase(N_("before {due}"), {"due": Moment(task.due_at, zone)})
    return Phrase(N_("any time"))


def urgent_mark(task: Task) -> Phrase | str:
    return Phrase(N_(" · URGENT")) if task.priority == Priority.URGENT else ""


def task_line(task: Task, zone: str) -> Phrase:
    """``#12 gate duty: North gate — Mon 2 Mar 16:00–20:00 · 1 of 2 free``."""
    return Phrase(
        N_("#{task_id} {kind}: {title} — {when} · {left} of {capacity} free{urgent}"),
        {
            "task_id": task.id,
            "kind": kind_phrase(task.kind),
            "title": task.title,
            "when": when_phrase(task, zone),
            "left": task.slots_left,
            "capacity": task.capacity,
            "urgent": urgent_mark(task),
        },
    )


def claimable(task: Task, ctx: Context) -> bool:
    over = task.ends_at or (task.due_at if task.starts_at is None else None)
    free = task.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS) and task.filled < task.capacity
    return free and (over is None or over > ctx.now)


def holder_buttons(task: Task, state: AssignmentState | None) -> list[Button]:
    """What the holder of a slot can do next."""
    shift = KINDS[task.kind].shift if task.kind in KINDS else False
    if state == AssignmentState.CLAIMED and shift:
        return [
            Button(N_("I'm at my post"), payloads.check_in(task.id)),
            Button(N_("Give back"), payloads.release(task.id)),
        ]
    if state == AssignmentState.CLAIMED:
        return [
            Button(N_("Done"), payloads.done(task.id)),
            Button(N_("Give back"), payloads.release(task.id)),
        ]
    if state == AssignmentState.CHECKED_IN:
        return [
            Button(N_("Done"), payloads.done(task.id)),
            Button(N_("Can't complete"), payloads.cannot_complete(task.id)),
        ]
    return []


def card(ctx: Context, task: Task, state: AssignmentState | None, *, lead: bool) -> list[Reply]:
    """The task's public card with the buttons that fit the reader, and private details by direct message."""
    lines: list[Phrase] = [
        Phrase(
            N_("{kind}{urgent} · {status}"),
            {
                "kind": kind_phrase(task.kind),
                "urgent": urgent_mark(task),
                "status": Phrase(STATUS[task.status]),
            },
        ),
        Phrase(N_("When: {when}"), {"when": when_phrase(task, ctx.zone)}),
        Phrase(N_("Slots: {left} of {capacity} free"), {"left": task.slots_left, "capacity": task.capacity}),
    ]
    if task.place is not None:
        lines.insert(1, Phrase(N_("Where: {place}"), {"place": task.place.name}))
    if task.team is not None:
        lines.append(Phrase(N_("Team: {team}"), {"team": task.team.name}))
    if task.public_details:
        lines.append(Phrase(task.public_details))
    buttons = holder_buttons(task, state)
    if state is None and claimable(task, ctx):
        buttons.insert(0, Button(N_("Claim"), payloads.claim(task.id)))
    if lead and task.status in (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS):
        buttons += [
            Button(N_("Reassign"), payloads.reassign(task.id)),
            Button(N_("Cancel task"), payloads.cancel(task.id)),
        ]
    public = ctx.say(
        N_("Task #{task_id}: {title}\n{lines}"),
        buttons=_pairs(buttons),
        task_id=task.id,
        title=task.title,
        lines=tuple(lines),
    )
    replies = [replace(public, card_of=task.id)]
    if task.has_private_details and can_see_private(ctx.session, ctx.actor, task):
        replies.append(private_reply(ctx, task))
    return replies


def private_reply(ctx: Context, task: Task) -> Reply:
    """The address, phone and notes of a task: for the holder (or a lead), in their direct chat only.

    Without a known direct chat nothing private is sent; the reader is told how to open one."""
    if ctx.direct_chat_id is None:
        return ctx.say(
            N_(
                "The address and phone of task #{task_id} are sent only in a private chat: "
                "open a chat with me and send “task {task_id}”."
            ),
            task_id=task.id,
        )
    record_task_read(ctx.session, task, ctx.actor, at=ctx.now)
    return ctx.say(
        N_("Details for you only, task #{task_id}: {details}"),
        target="direct",
        task_id=task.id,
        details=private_text(ctx.session, task),
    )


def _pairs(buttons: list[Button]) -> list[list[Button]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
