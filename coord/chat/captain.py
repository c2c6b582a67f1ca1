"""A captain's commands: the team board, reassign, no-show, cancel, and a message to the whole team."""

from __future__ import annotations

from coord import payloads
from coord.chat import cards, conversations
from coord.chat.context import Context, rows, task_arg
from coord.chat.conversations import STOP_BUTTON, flow
from coord.chat.labels import STATE
from coord.chat.parse import Command
from coord.chat.port import Button, Joined, Phrase, Reply
from coord.chat.reporting import ask_figures
from coord.chat.words import SKIP_WORDS
from coord.errors import NotAllowed, NotFound
from coord.i18n import N_
from coord.models import ACTIVE_STATES, Conversation, Person, Task, Team
from coord.services.people import directory
from coord.services.people.access import require_lead
from coord.services.people.announcements import announce as announce_to_team
from coord.services.people.people import find_person, find_team
from coord.services.work import boards, claims
from coord.services.work.rules import done_refusal
from coord.services.work.stand_down import unwell_today
from coord.services.work.tasks import cancel_task, get_task

LEADS_ONLY = N_("Only the team's captain or a coordinator can do this.")
UNWELL_HOLDER = N_("   · {name}: {state} · unwell today, needs someone else")
UNWELL_CHOICE = N_("{name} · unwell today")
PICKER_PAGE = 8  # people on one page of the reassign picker
UNWELL_WARNING = N_(
    "⚠ Those marked “unwell today” declared themselves not well: give the task to someone else if you can."
)


def pick_team(ctx: Context, ref: str | None) -> Team | None:
    """The team named, else this group chat's team, else the one team the person leads."""
    if ref:
        return find_team(ctx.session, ctx.community.id, ref.lstrip("#"))
    if ctx.in_group:
        here = directory.team_of_chat(ctx.session, ctx.inbound.network, ctx.inbound.chat_id)
        if here is not None:
            return here
    led = ctx.roles.led_teams
    return led[0] if len(led) == 1 else None


def team_choices(ctx: Context) -> list[Team]:
    """The teams this person may choose from: all of them for a coordinator, else those they lead."""
    if ctx.roles.coordinator:
        return directory.community_teams(ctx.session, ctx.community.id)
    if not ctx.roles.led_teams:
        raise NotAllowed(LEADS_ONLY)
    return ctx.roles.led_teams


def board(ctx: Context, command: Command) -> list[Reply]:
    team = pick_team(ctx, " ".join(command.args) or None)
    if team is None:
        choices = [
            Button(N_("Board: {team}"), payloads.board(t.id), {"team": t.name}) for t in team_choices(ctx)
        ]
        return [ctx.say(N_("Which team?"), buttons=rows(choices))]
    shown = boards.team_board(ctx.session, actor=ctx.actor, team=team, now=ctx.now)
    unwell = shown.unwell if not ctx.in_group else frozenset()  # health: never shown to a group (invariant 7)
    if not shown.tasks and not shown.no_shows:
        text = N_("Board of {team}, {time}: no live tasks. Create one with “new”.")
        new = [[Button(N_("New task"), payloads.NEW)]]
        return [ctx.say(text, buttons=new, team=team.name, time=ctx.moment(ctx.now))]
    lines: list[Phrase] = []
    for task in shown.tasks:
        lines.append(cards.task_line(task, ctx.zone))
        held = shown.holders.get(task.id, [])
        lines += [
            Phrase(
                UNWELL_HOLDER if p.id in unwell and s in ACTIVE_STATES else N_("   · {name}: {state}"),
                {"name": p.name, "state": Phrase(STATE[s])},
            )
            for p, s in held
        ]
        if not held:
            lines.append(Phrase(N_("   · nobody yet")))
    lines += _trouble(ctx, shown)
    fix = {t.id for t in shown.overdue(ctx.now)} | {t.id for t, _ in shown.no_shows}
    fix |= {t.id for t in shown.needs_someone_else()} if unwell else set()
    buttons = [
        Button(N_("Reassign #{task_id}"), payloads.reassign(i), {"task_id": i}) for i in sorted(fix)[:4]
    ]
    return [
        ctx.say(
            N_("Board of {team}, {time}:\n{lines}"),
            buttons=[*rows(buttons), [Button(N_("New task"), payloads.NEW)]],
            team=team.name,
            time=ctx.moment(ctx.now),
            lines=tuple(lines),
        )
    ]


def _trouble(ctx: Context, shown: boards.TeamBoard) -> list[Phrase]:
    found = []
    unfilled, overdue = shown.unfilled(ctx.now), shown.overdue(ctx.now)
    if unfilled:
        found.append(
            Phrase(N_("Unfilled soon: {tasks}"), {"tasks": Joined(tuple(f"#{t.id}" for t in unfilled))})
        )
    if overdue:
        found.append(Phrase(N_("Overdue: {tasks}"), {"tasks": Joined(tuple(f"#{t.id}" for t in overdue))}))
    if shown.no_shows:
        missed = tuple(f"{p.name} (#{t.id})" for t, p in shown.no_shows)
        found.append(Phrase(N_("No-shows today: {people}"), {"people": Joined(missed)}))
    return found


def reassign(ctx: Context, command: Command) -> list[Reply]:
    task_id = task_arg(command.args[0] if command.args else None, N_("reassign 12"))
    task = get_task(ctx.session, task_id, community_id=ctx.community.id)
    page = _page_number(command.options.get("page"))
    holders, candidates = boards.reassign_choices(
        ctx.session, actor=ctx.actor, task=task, limit=PICKER_PAGE + 1, offset=(page - 1) * PICKER_PAGE
    )
    if not candidates and page > 1:  # a page gone since (the team got smaller): the first one
        page = 1
        holders, candidates = boards.reassign_choices(
            ctx.session, actor=ctx.actor, task=task, limit=PICKER_PAGE + 1
        )
    target = _person(ctx, " ".join(command.args[1:]))
    named = command.options.get("from")
    if named == payloads.OPEN_PLACE:
        source = None
    else:
        source = _person(ctx, named)
        open_place = task.filled < task.capacity
        # Replace someone, or fill the place left open (by a no-show, a release): never guess between them.
        if source is None and (len(holders) > 1 or (holders and open_place)):
            return [_which_place(ctx, task, holders, open_place, target)]
        source = source or (holders[0] if holders and not open_place else None)
    if target is None:
        return _picker(ctx, task, source, candidates, page)
    return _hand_over(ctx, task, source, target)


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and 1 <= int(text) <= 10_000 else 1


def _which_place(
    ctx: Context, task: Task, holders: list[Person], open_place: bool, target: Person | None
) -> Reply:
    to = target.id if target else None
    unwell = _unwell(ctx, holders)
    choices = [
        Button(
            N_("Replace {name} · unwell today") if p.id in unwell else N_("Replace {name}"),
            payloads.reassign(task.id, to, from_person=p.id),
            {"name": p.name},
        )
        for p in holders
    ]
    if not open_place:
        text = N_("Task #{task_id} has several people. Whom should I replace?")
        return ctx.say(text, buttons=rows(choices), task_id=task.id)
    fill = Button(
        N_("Fill the open place"), payloads.reassign(task.id, to, from_person=int(payloads.OPEN_PLACE))
    )
    text = N_(
        "Task #{task_id} “{title}” has {open} open of {capacity} places and is held by {names}. "
        "Fill the open place, or replace someone?"
    )
    return ctx.say(
        text,
        buttons=rows([fill, *choices]),
        task_id=task.id,
        title=task.title,
        open=task.capacity - task.filled,
        capacity=task.capacity,
        names=", ".join(p.name for p in holders),
    )


def _hand_over(ctx: Context, task: Task, source: Person | None, target: Person) -> list[Reply]:
    """Give ``source``'s slot to ``target``, or a free slot when nobody holds one."""
    if source is None:
        ctx.attempt(
            lambda: claims.assign(
                session=ctx.session, actor=ctx.actor, task_id=task.id, person=target, now=ctx.now
            )
        )
    else:
        ctx.attempt(
            lambda: claims.reassign(
                session=ctx.session,
                actor=ctx.actor,
                task_id=task.id,
                from_person=source,
                to_person=target,
                now=ctx.now,
            )
        )
    return [
        ctx.say(
            N_("Task #{task_id} “{title}” now goes to {name}. They have been told."),
            task_id=task.id,
            title=task.title,
            name=target.name,
        )
    ]


def _person(ctx: Context, ref: str | None) -> Person | None:
    ref = (ref or "").strip().lstrip("#")
    return find_person(ctx.session, ctx.community.id, ref) if ref else None


def _picker(
    ctx: Context, task: Task, source: Person | None, candidates: list[Person], page: int = 1
) -> list[Reply]:
    """The people who could take the place, a page of ``PICKER_PAGE`` at a time (◀ Back, More ▶)."""
    if not candidates:
        text = N_(
            "There is nobody else in the team to give task #{task_id} to. "
            "Name the person: “reassign {task_id} NAME”."
        )
        return [ctx.say(text, task_id=task.id)]
    source_id = source.id if source else int(payloads.OPEN_PLACE)
    more = len(candidates) > PICKER_PAGE
    candidates = candidates[:PICKER_PAGE]
    unwell = _unwell(ctx, [*candidates, *filter(None, [source])])
    choices = [
        Button(
            UNWELL_CHOICE if p.id in unwell else N_("{name}"),
            payloads.reassign(task.id, to_person=p.id, from_person=source_id),
            {"name": p.name},
        )
        for p in candidates
    ]
    nav = []
    if page > 1:
        nav.append(Button(N_("◀ Back"), payloads.reassign_page(task.id, source_id, page - 1)))
    if more:
        nav.append(Button(N_("More ▶"), payloads.reassign_page(task.id, source_id, page + 1)))
    choices_rows = [*rows(choices), nav] if nav else rows(choices)
    warning = [ctx.say(UNWELL_WARNING)] if unwell - {source_id} else []
    if source is None:
        text = N_("Task #{task_id} “{title}” has a free slot. Who should take it?")
        return [ctx.say(text, buttons=choices_rows, task_id=task.id, title=task.title), *warning]
    if source.id in unwell:
        text = N_(
            "Task #{task_id} “{title}” is held by {name}, who declared themselves unwell today. "
            "Who should take it instead?"
        )
    else:
        text = N_("Task #{task_id} “{title}” is held by {name}. Who should take it instead?")
    reply = ctx.say(text, buttons=choices_rows, task_id=task.id, title=task.title, name=source.name)
    return [reply, *warning]


def _unwell(ctx: Context, people: list[Person]) -> set[int]:
    """Which of ``people`` declared themselves unwell today; never told in a group (invariant 7)."""
    if ctx.in_group:
        return set()
    return unwell_today(ctx.session, ctx.community, [p.id for p in people], ctx.now)


def noshow(ctx: Context, command: Command) -> list[Reply]:
    task_id = task_arg(command.args[0] if command.args else None, N_("noshow 12 NAME"))
    task = get_task(ctx.session, task_id, community_id=ctx.community.id)
    person = _person(ctx, " ".join(command.args[1:]))
    if person is None:
        holders, _ = boards.reassign_choices(ctx.session, actor=ctx.actor, task=task)
        if not holders:
            raise NotFound(N_("Nobody holds task #{task_id} now."), task_id=task.id)
        choices = [Button(N_("{name}"), payloads.no_show(task.id, p.id), {"name": p.name}) for p in holders]
        return [ctx.say(N_("Who did not come to task #{task_id}?"), buttons=rows(choices), task_id=task.id)]
    ctx.attempt(
        lambda: claims.mark_no_show(
            session=ctx.session, actor=ctx.actor, task_id=task.id, person=person, now=ctx.now
        )
    )
    return [
        ctx.say(
            N_(
                "{name} is marked as a no-show for task #{task_id}; the "
                "slot is free again. Give it to someone else?"
            ),
            buttons=[[Button(N_("Reassign #{task_id}"), payloads.reassign(task.id), {"task_id": task.id})]],
            name=person.name,
            task_id=task.id,
        )
    ]


def done_for(ctx: Context, command: Command) -> list[Reply]:
    """A captain records a holder's part done for them, with a reason (no phone at the post, a paper list)."""
    task_id = task_arg(command.args[0] if command.args else None, N_("donefor 12 NAME"))
    task = get_task(ctx.session, task_id, community_id=ctx.community.id)
    require_lead(ctx.session, ctx.actor, task.community_id, task.team_id)
    person = _person(ctx, " ".join(command.args[1:]))
    if person is None:
        holders, _ = boards.reassign_choices(ctx.session, actor=ctx.actor, task=task)
        if not holders:
            raise NotFound(N_("Nobody holds task #{task_id} now."), task_id=task.id)
        choices = [Button(N_("{name}"), payloads.done_for(task.id, p.id), {"name": p.name}) for p in holders]
        text = N_("Whose part of task #{task_id} do you record as done?")
        return [ctx.say(text, buttons=rows(choices), task_id=task.id)]
    state = boards.viewer_state(ctx.session, task.id, person.id)
    if state is None:
        raise NotFound(
            N_("{name} does not hold a slot of task #{task_id}."), name=person.name, task_id=task.id
        )
    refused = done_refusal(task, state, ctx.now, on_behalf=True, zone=ctx.zone)
    if refused is not None:
        raise refused
    data = {"task_id": task.id, "for": person.id, "options": dict(command.options)}
    conversations.begin(ctx, "donefor", "reason", data)
    return [_ask_reason(ctx, task.id, person.name)]


def _ask_reason(ctx: Context, task_id: int, name: str) -> Reply:
    text = N_(
        "Why do you record task #{task_id} done for {name}? One line is enough, for example "
        "“no phone at the post; the paper list shows 30 people checked”."
    )
    return ctx.say(text, buttons=[[STOP_BUTTON]], task_id=task_id, name=name)


@flow("donefor", free_text={"reason"})
def _done_for_reason(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    data = dict(conversation.data)
    holder = find_person(ctx.session, ctx.community.id, int(data["for"]))
    reason = value.strip()
    if not reason or reason.lower() in SKIP_WORDS:
        return [_ask_reason(ctx, int(data["task_id"]), holder.name)]
    task = get_task(ctx.session, int(data["task_id"]), community_id=ctx.community.id)
    options = {str(k): str(v) for k, v in dict(data.get("options") or {}).items()}
    return conversations.finish(ctx, lambda: ask_figures(ctx, task, options, reason, holder=holder))


def cancel(ctx: Context, command: Command) -> list[Reply]:
    task_id = task_arg(command.args[0] if command.args else None, N_("cancel 12 reason"))
    reason = command.text_from(1)
    task = ctx.attempt(
        lambda: cancel_task(session=ctx.session, actor=ctx.actor, task_id=task_id, reason=reason, now=ctx.now)
    )
    if task.filled:
        text = N_("Task #{task_id} “{title}” is cancelled; everyone who held it ({count}) has been told.")
        return [ctx.say(text, task_id=task.id, title=task.title, count=task.filled)]
    return [ctx.say(N_("Task #{task_id} “{title}” is cancelled."), task_id=task.id, title=task.title)]


def announce(ctx: Context, command: Command) -> list[Reply]:
    """A message to the whole team, through the outbox to the team's group chats."""
    team = pick_team(ctx, None)
    if team is not None:
        require_lead(ctx.session, ctx.actor, ctx.community.id, team.id)
    else:
        team_choices(ctx)  # refuses someone who leads no team
    text = command.rest.strip()
    if not text:
        conversations.begin(ctx, "announce", "text", {"team_id": team.id if team else None})
        return [
            ctx.say(
                N_("What should I tell the team? Send the message, or press Stop."), buttons=[[STOP_BUTTON]]
            )
        ]
    if team is None:
        return [_ask_team(ctx, text)]
    return _announce(ctx, team, text)


def _ask_team(ctx: Context, text: str) -> Reply:
    choices = [Button(N_("{name}"), payloads.answer(str(t.id)), {"name": t.name}) for t in team_choices(ctx)]
    conversations.begin(ctx, "announce", "team", {"text": text})
    return ctx.say(N_("Which team should get it?"), buttons=[*rows(choices), [STOP_BUTTON]])


def _announce(ctx: Context, team: Team, text: str) -> list[Reply]:
    ctx.attempt(
        lambda: announce_to_team(session=ctx.session, actor=ctx.actor, team=team, text=text, now=ctx.now)
    )
    preview = text if len(text) <= 80 else text[:79] + "…"
    return [ctx.say(N_("Sent to {team}: “{text}”"), team=team.name, text=preview)]


@flow("announce", free_text={"text"})
def _announce_answer(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    data = dict(conversation.data)
    if conversation.step == "text":
        team_id = data.get("team_id")
        if team_id is None:
            return [_ask_team(ctx, value.strip())]
        team = find_team(ctx.session, ctx.community.id, int(team_id))
        return conversations.finish(ctx, lambda: _announce(ctx, team, value.strip()))
    chosen = value.strip().lstrip("#")
    if not chosen.isdigit() or chosen not in {str(t.id) for t in team_choices(ctx)}:
        return [ctx.say(N_("Please choose one of the teams, or press Stop."), buttons=[[STOP_BUTTON]])]
    team = find_team(ctx.session, ctx.community.id, int(chosen))
    return conversations.finish(ctx, lambda: _announce(ctx, team, str(data.get("text", ""))))
