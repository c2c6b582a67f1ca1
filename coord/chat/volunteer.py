"""A volunteer's commands: open tasks, a task's card, claim, my tasks, check in, release, can't complete."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from coord import payloads
from coord.chat import cards, conversations
from coord.chat.context import Context, error_params, task_arg
from coord.chat.conversations import SKIP_BUTTON, STOP_BUTTON, flow
from coord.chat.labels import STATE
from coord.chat.parse import Command, fold
from coord.chat.port import Button, Phrase, Reply
from coord.chat.words import KIND_WORDS, NOW_WORDS, PAGE_WORDS, SKIP_WORDS, TODAY_WORDS, URGENT_WORDS
from coord.errors import AlreadyClaimed, InvalidTransition, NotFound, Unwell
from coord.i18n import N_
from coord.kinds import KINDS
from coord.models import Assignment, AssignmentState, Conversation
from coord.services.outbox.notifications import hold_for_reply
from coord.services.people.communities import find_area
from coord.services.work import boards, claims
from coord.services.work.claims import private_key

PAGE_SIZE = 5
SOON = timedelta(hours=2)
_PAGE = re.compile(r"(?:p|page|第)(\d{1,4})页?|(\d{1,4})页")


@dataclass(frozen=True)
class Filters:
    page: int = 1
    kind: str = ""
    zone_id: int | None = None
    when: str = ""


def read_filters(ctx: Context, command: Command) -> Filters:
    """``tasks gate today p2 Zone 1`` → kind, time, page and zone, in any order."""
    options = command.options
    page = int(options.get("page", "1")) if options.get("page", "1").isdigit() else 1
    kind, when = options.get("kind", ""), options.get("when", "")
    zone_id = int(options["zone_id"]) if options.get("zone_id", "").isdigit() else None
    leftover: list[str] = []
    words = list(command.args)
    while words:
        word = words.pop(0)
        lowered = word.lower()
        if lowered in KIND_WORDS or lowered in KINDS:
            kind = KIND_WORDS.get(lowered, lowered)
        elif lowered in TODAY_WORDS or lowered in NOW_WORDS:
            when = "today" if lowered in TODAY_WORDS else "now"
        elif match := _PAGE.fullmatch(lowered):
            page = int(match.group(1) or match.group(2))
        elif lowered in PAGE_WORDS and words and words[0].isdigit():
            page = int(words.pop(0))
        elif lowered not in URGENT_WORDS:
            leftover.append(word)
    zone_name = options.get("zone") or options.get("片区") or " ".join(leftover)
    if zone_name:
        zone_id = find_area(ctx.session, ctx.community.id, zone_name).id
    return Filters(max(page, 1), kind, zone_id, when)


def tasks(ctx: Context, command: Command) -> list[Reply]:
    """Open work with a free slot: urgent first, then the person's own team, then soonest; five a page."""
    flt = read_filters(ctx, command)
    until = {"today": _end_of_day(ctx), "now": ctx.now + SOON}.get(flt.when)
    found = boards.open_tasks(
        ctx.session,
        community_id=ctx.community.id,
        now=ctx.now,
        first_team_id=ctx.roles.first_team_id,
        kind=flt.kind or None,
        area_id=flt.zone_id,
        until=until,
        limit=PAGE_SIZE + 1,
        offset=(flt.page - 1) * PAGE_SIZE,
    )
    shown = found[:PAGE_SIZE]
    if not shown:
        text = N_("No open tasks here right now. Thank you for checking! Try “tasks” for all open work.")
        return [ctx.say(text, buttons=[[Button(N_("All open tasks"), payloads.page(1))]])]
    buttons = [
        [Button(N_("Claim #{task_id}"), payloads.claim(t.id), {"task_id": t.id}), _details(t.id)]
        for t in shown
    ]
    nav = []
    if flt.page > 1:
        nav.append(Button(N_("◀ Back"), payloads.page(flt.page - 1, flt.kind, flt.zone_id, flt.when)))
    if len(found) > PAGE_SIZE:
        nav.append(Button(N_("More ▶"), payloads.page(flt.page + 1, flt.kind, flt.zone_id, flt.when)))
    return [
        ctx.say(
            N_("Open tasks, page {page}:\n{lines}\nPress Claim to take one, or send “task 12” for its card."),
            buttons=[*buttons, nav],
            page=flt.page,
            lines=tuple(cards.task_line(t, ctx.zone) for t in shown),
        )
    ]


def _details(task_id: int) -> Button:
    return Button(N_("Details"), payloads.card(task_id))


def _end_of_day(ctx: Context) -> datetime:
    return boards.local_day_start(ctx.community, ctx.now) + timedelta(days=1)


def task(ctx: Context, command: Command) -> list[Reply]:
    task_id = task_arg(command.args[0] if command.args else None, N_("task 12"))
    shown = boards.task_for_card(ctx.session, task_id, community_id=ctx.community.id)
    state = boards.viewer_state(ctx.session, shown.id, ctx.person.id)
    lead = ctx.roles.coordinator or any(t.id == shown.team_id for t in ctx.roles.led_teams)
    return cards.card(ctx, shown, state, lead=lead)


def claim(ctx: Context, command: Command) -> list[Reply]:
    task_id = task_arg(command.args[0] if command.args else None, N_("claim 12"))
    try:
        assignment = ctx.attempt(
            lambda: claims.claim(session=ctx.session, actor=ctx.actor, task_id=task_id, now=ctx.now)
        )
    except Unwell as err:
        if not ctx.in_group:
            raise
        return _privately(ctx, err)
    except AlreadyClaimed:
        held = _held(ctx, task_id)
        if held is None:
            raise
        return _claimed_again(ctx, held)
    taken = assignment.task
    has_private = taken.has_private_details
    if ctx.in_group:
        text = (
            N_(
                "{name} has taken task #{task_id} “{title}”. {left} of "
                "{capacity} free. Details went to {name} privately."
            )
            if has_private
            else N_("{name} has taken task #{task_id} “{title}”. {left} of {capacity} free.")
        )
        more = [Button(N_("Claim #{task_id}"), payloads.claim(taken.id), {"task_id": taken.id})]
        here = ctx.say(
            text,
            buttons=[more] if cards.claimable(taken, ctx) else [],
            name=ctx.person.name,
            task_id=taken.id,
            title=taken.title,
            left=taken.slots_left,
            capacity=taken.capacity,
        )
    else:
        here = ctx.say(
            N_("You have task #{task_id} “{title}”, {when}. {next}"),
            buttons=[cards.holder_buttons(taken, AssignmentState.CLAIMED)],
            task_id=taken.id,
            title=taken.title,
            when=cards.when_phrase(taken, ctx.zone),
            next=_next_step(taken.kind, taken.id),
        )
    return [here, *_details_reply(ctx, assignment)]


def _details_reply(ctx: Context, assignment: Assignment) -> list[Reply]:
    """The task's private details for its holder's direct chat, carrying the outbox copy the claim wrote:
    the adapter confirms that copy once its send went through; unconfirmed, a worker sends it."""
    if not assignment.task.has_private_details or ctx.direct_chat_id is None:
        return []  # without a known direct chat, the outbox delivers the details when it can
    key = private_key(assignment)
    held = hold_for_reply(ctx.session, dedupe_key=key, now=ctx.now)
    details = cards.private_reply(ctx, assignment.task)
    return [replace(details, settles=key) if held else details]


def _held(ctx: Context, task_id: int) -> Assignment | None:
    """The speaker's active slot of ``task_id``, if they hold one."""
    return boards.held_slot(ctx.session, task_id, ctx.person.id)


def _claimed_again(ctx: Context, assignment: Assignment) -> list[Reply]:
    """A claim repeated (its answer was lost, or a second press): the task is already theirs; its
    details go again, so a lost reply costs nothing."""
    taken = assignment.task
    here = ctx.say(
        N_("You already have task #{task_id} “{title}”, {when}. {next}"),
        buttons=[cards.holder_buttons(taken, assignment.state)] if not ctx.in_group else [],
        task_id=taken.id,
        title=taken.title,
        when=cards.when_phrase(taken, ctx.zone),
        next=_next_step(taken.kind, taken.id),
    )
    return [here, *_details_reply(ctx, assignment)]


def _privately(ctx: Context, err: Unwell) -> list[Reply]:
    """A refusal that would tell a group about someone's health goes to their direct chat instead."""
    if ctx.direct_chat_id is None:
        text = N_("{name}, I can answer that only in a direct chat: open one with me and send it there.")
        return [ctx.say(text, name=ctx.person.name)]
    told = ctx.say(err.msgid, target="direct", **error_params(err, ctx.language))
    return [ctx.say(N_("{name}, I have answered you in our direct chat."), name=ctx.person.name), told]


def _next_step(kind: str, task_id: int) -> Phrase:
    if kind in KINDS and KINDS[kind].shift:
        return Phrase(
            N_("When you are at the post, press “I'm at my post” or send “checkin {task_id}”."),
            {"task_id": task_id},
        )
    return Phrase(N_("When it is done, press “Done” or send “done {task_id}”."), {"task_id": task_id})


def my(ctx: Context, command: Command) -> list[Reply]:
    held = boards.my_tasks(ctx.session, ctx.person, limit=8)
    if not held:
        return [
            ctx.say(
                N_("You hold no tasks right now. Send “tasks” to see open work."),
                buttons=[[Button(N_("Open tasks"), payloads.page(1))]],
            )
        ]
    lines = tuple(
        Phrase(
            N_("{line} — {state}"),
            {"line": cards.task_line(t, ctx.zone), "state": Phrase(STATE[a.state])},
        )
        for a, t in held
    )
    buttons = [cards.holder_buttons(t, a.state) for a, t in held]
    return [ctx.say(N_("Your tasks:\n{lines}"), buttons=buttons, lines=lines)]


def checkin(ctx: Context, command: Command) -> list[Reply]:
    task_id = task_arg(command.args[0] if command.args else None, N_("checkin 12"))
    assignment = ctx.attempt(
        lambda: claims.check_in(session=ctx.session, actor=ctx.actor, task_id=task_id, now=ctx.now)
    )
    return [
        ctx.say(
            N_(
                "Checked in at task #{task_id} “{title}”. Thank you for being at your post! "
                "When it is over, send “done {task_id}”."
            ),
            buttons=[[Button(N_("Done"), payloads.done(task_id))]],
            task_id=task_id,
            title=assignment.task.title,
        )
    ]


def release(ctx: Context, command: Command) -> list[Reply]:
    task_id = task_arg(command.args[0] if command.args else None, N_("release 12"))
    reason = _reason(command)
    if reason is None:
        _must_hold(ctx, task_id)
        conversations.begin(ctx, "release", "reason", {"task_id": task_id})
        return [
            ctx.say(
                N_("Why are you giving back task #{task_id}? One line is enough, or press Skip."),
                buttons=[[SKIP_BUTTON, STOP_BUTTON]],
                task_id=task_id,
            )
        ]
    return _released(ctx, task_id, reason)


def _released(ctx: Context, task_id: int, reason: str) -> list[Reply]:
    if _gave_back(ctx, task_id):
        return [_given_back(ctx, task_id)]  # said again (its answer was lost): nothing more to do
    ctx.attempt(
        lambda: claims.release(
            session=ctx.session, actor=ctx.actor, task_id=task_id, reason=reason, now=ctx.now
        )
    )
    return [
        ctx.say(
            N_(
                "You have given back task #{task_id}. Someone else can "
                "claim it now. Thank you for saying so early."
            ),
            buttons=[[Button(N_("Open tasks"), payloads.page(1))]],
            task_id=task_id,
        )
    ]


@flow("release", free_text={"reason"})
def _release_reason(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    task_id = int(conversation.data["task_id"])
    reason = "" if fold(value).strip().lower() in SKIP_WORDS else value.strip()
    return conversations.finish(ctx, lambda: _released(ctx, task_id, reason))


def cantdo(ctx: Context, command: Command) -> list[Reply]:
    task_id = task_arg(command.args[0] if command.args else None, N_("cantdo 12 reason"))
    reason = _reason(command)
    if not reason:
        _must_hold(ctx, task_id)
        conversations.begin(ctx, "cantdo", "reason", {"task_id": task_id})
        return [
            ctx.say(
                N_("What stops you from completing task #{task_id}? Your captain will read it."),
                buttons=[[STOP_BUTTON]],
                task_id=task_id,
            )
        ]
    return _cannot(ctx, task_id, reason)


def _cannot(ctx: Context, task_id: int, reason: str) -> list[Reply]:
    if _gave_back(ctx, task_id):
        return [_given_back(ctx, task_id)]
    ctx.attempt(
        lambda: claims.cannot_complete(
            session=ctx.session, actor=ctx.actor, task_id=task_id, reason=reason, now=ctx.now
        )
    )
    return [
        ctx.say(
            N_(
                "Your captain has been told that you cannot complete "
                "task #{task_id}. Thank you for saying so."
            ),
            task_id=task_id,
        )
    ]


@flow("cantdo", free_text={"reason"})
def _cannot_reason(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    task_id = int(conversation.data["task_id"])
    if fold(value).strip().lower() in SKIP_WORDS or not value.strip():
        return [
            ctx.say(
                N_("Please say in a few words why, so your captain can act. Or press Stop."),
                buttons=[[STOP_BUTTON]],
            )
        ]
    return conversations.finish(ctx, lambda: _cannot(ctx, task_id, value.strip()))


def decline(ctx: Context, command: Command) -> list[Reply]:
    """Give back work the roster assigned: the next fair choice is asked."""
    from coord.services.work.autoassign import decline as decline_assignment

    task_id = task_arg(command.args[0] if command.args else None, N_("decline 12"))
    ctx.attempt(
        lambda: decline_assignment(session=ctx.session, actor=ctx.actor, task_id=task_id, now=ctx.now)
    )
    return [
        ctx.say(
            N_("You have declined task #{task_id}; the next person is being asked. Thank you for saying so."),
            buttons=[[Button(N_("Open tasks"), payloads.page(1))]],
            task_id=task_id,
        )
    ]


def _reason(command: Command) -> str | None:
    """What follows the task number, or None when nothing does."""
    words = command.rest.split(None, 1)
    return words[1].strip() if len(words) > 1 and words[1].strip() else None


def _gave_back(ctx: Context, task_id: int) -> bool:
    return boards.ended_state(ctx.session, task_id, ctx.person.id) == AssignmentState.RELEASED


def _given_back(ctx: Context, task_id: int) -> Reply:
    return ctx.say(
        N_("You have already given back task #{task_id}; nothing more to do."),
        buttons=[[Button(N_("Open tasks"), payloads.page(1))]],
        task_id=task_id,
    )


def _must_hold(ctx: Context, task_id: int) -> AssignmentState:
    state = boards.viewer_state(ctx.session, task_id, ctx.person.id)
    if state is None and _gave_back(ctx, task_id):
        raise InvalidTransition(
            N_("You have already given back task #{task_id}; nothing more to do."), task_id=task_id
        )
    if state is None:
        raise NotFound(N_("You do not hold a slot of task #{task_id}."), task_id=task_id)
    return state
