"""A coordinator's commands: today's figures, open escalations, the teams overview, invite codes."""

from __future__ import annotations

import re
from datetime import timedelta

from coord import payloads
from coord.chat import cards
from coord.chat.captain import pick_team, team_choices
from coord.chat.context import Context, rows
from coord.chat.parse import Command
from coord.chat.port import Button, Joined, Phrase, Reply
from coord.chat.words import ROLE_WORDS
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.kinds import kind_named
from coord.models import InviteRole
from coord.services.escalation.outstanding import Outstanding, outstanding
from coord.services.people.invites import create_invite
from coord.services.work import boards


def today(ctx: Context, command: Command) -> list[Reply]:
    figures = boards.todays_figures(ctx.session, actor=ctx.actor, community=ctx.community, now=ctx.now)
    lines = _done_lines(figures)
    lines.append(
        Phrase(
            N_(
                "Tasks done (each task once): {tasks}; people's completions (each person's part): "
                "{completions}, by {people} people."
            ),
            {"tasks": figures.tasks_done, "completions": figures.completions, "people": figures.people},
        )
    )
    lines.append(
        Phrase(
            N_(
                "Open now: {open}. Unfilled within a day: {unfilled}. "
                "Overdue: {overdue}. No-shows today: {no_shows}."
            ),
            {
                "open": figures.open_now,
                "unfilled": figures.unfilled,
                "overdue": figures.overdue,
                "no_shows": figures.no_shows,
            },
        )
    )
    buttons = [[Button(N_("Escalations"), payloads.ESCALATIONS), Button(N_("Teams"), payloads.TEAMS)]]
    return [
        ctx.say(
            N_("{community}, today so far ({day}):\n{lines}"),
            buttons=buttons,
            community=ctx.community.name,
            day=figures.day.isoformat(),
            lines=tuple(lines),
        )
    ]


def _done_lines(figures: boards.DayFigures) -> list[Phrase]:
    """One line per kind of work: the sum of each figure its done work recorded today."""
    lines: list[Phrase] = []
    for kind, sums in sorted(figures.per_kind.items()):
        known = kind_named(kind)
        labels = {f.name: f.reported_as for f in known.figures} if known else {}
        parts = tuple(
            Phrase(N_("{figure} {value}"), {"figure": Phrase(labels.get(name, name)), "value": value})
            for name, value in sums.items()
        )
        lines.append(
            Phrase(N_("{kind}: {figures}"), {"kind": cards.kind_phrase(kind), "figures": Joined(parts)})
        )
    if not lines:
        lines.append(Phrase(N_("Nothing reported done yet today.")))
    return lines


#: Who heard an alert, in words (coord.services.escalation.outstanding.AUDIENCES).
TOLD = {
    "assignee": N_("the volunteer"),
    "team": N_("the team chat"),
    "reserve": N_("the reserve team"),
    "captain": N_("the captain"),
    "coordinators": N_("the coordinators"),
}
_PAGE = re.compile(r"(?:p|page|第)?(\d{1,4})页?")


def escalations(ctx: Context, command: Command) -> list[Reply]:
    """What still needs action, newest alert first, five a page: the trouble in words and who was told."""
    number = next((int(m.group(1)) for w in command.args if (m := _PAGE.fullmatch(w.lower()))), 1)
    page = outstanding(ctx.session, actor=ctx.actor, community=ctx.community, now=ctx.now, page=number)
    if not page.items:
        return [ctx.say(N_("No escalations are open. Every task has an owner."))]
    lines = tuple(_escalation_line(ctx, item) for item in page.items)
    buttons = [
        Button(N_("Reassign #{task_id}"), payloads.reassign(o.task.id), {"task_id": o.task.id})
        for o in page.items
    ]
    nav = []
    if page.number > 1:
        nav.append(Button(N_("◀ Back"), payloads.escalations(page.number - 1)))
    if page.more:
        nav.append(Button(N_("More ▶"), payloads.escalations(page.number + 1)))
    return [
        ctx.say(
            N_("Escalations that still need action, newest first (page {page}):\n{lines}"),
            buttons=[*rows(buttons), nav],
            page=page.number,
            lines=lines,
        )
    ]


def _escalation_line(ctx: Context, item: Outstanding) -> Phrase:
    trouble: list[Phrase] = []
    if item.open_places and not item.task.filled and not item.missing:
        trouble.append(Phrase(N_("nobody has taken it yet")))
    elif item.open_places:
        trouble.append(Phrase(N_("still needs {open} more"), {"open": item.open_places}))
    if item.missing:
        trouble.append(Phrase(N_("not at the post: {names}"), {"names": Joined(tuple(item.missing))}))
    if item.overdue:
        due = item.task.due_at or item.task.ends_at
        trouble.append(Phrase(N_("past its deadline ({time})"), {"time": ctx.moment(due or ctx.now)}))
    told = Joined(tuple(Phrase(TOLD[a]) for a in item.told))
    return Phrase(
        N_("{line}\n   · {trouble}. Last alert {time}, to {told}.")
        if item.told
        else N_("{line}\n   · {trouble}. Last alert {time}."),
        {
            "line": cards.task_line(item.task, ctx.zone),
            "trouble": Joined(tuple(trouble)),
            "time": ctx.moment(item.alerted_at),
            "told": told,
        },
    )


def teams(ctx: Context, command: Command) -> list[Reply]:
    overview = boards.teams_overview(ctx.session, actor=ctx.actor, community=ctx.community, now=ctx.now)
    if not overview:
        return [ctx.say(N_("There are no teams yet. The operator creates them with the coord command."))]
    lines = tuple(
        Phrase(
            N_(
                "{team}: {members} members, captain {captains}; {live} live tasks, "
                "{slots} free slots, {present} at their posts now"
            ),
            {
                "team": line.team.name,
                "members": line.members,
                "captains": Joined(tuple(line.captains)) if line.captains else Phrase(N_("none")),
                "live": line.live_tasks,
                "slots": line.open_slots,
                "present": line.checked_in,
            },
        )
        for line in overview
    )
    buttons = [
        Button(N_("Board: {team}"), payloads.board(line.team.id), {"team": line.team.name})
        for line in overview[:8]
    ]
    return [
        ctx.say(
            N_("Teams of {community}:\n{lines}"),
            buttons=rows(buttons),
            community=ctx.community.name,
            lines=lines,
        )
    ]


USES_WORDS = ("uses", "次数", "次")
DAYS_WORDS = ("days", "天数", "天")


def _number(command: Command, keys: tuple[str, ...], default: int) -> int:
    """A whole number given as ``uses=5`` (or its Chinese spelling), else ``default``."""
    for key in keys:
        if key in command.options:
            text = command.options[key].strip()
            if not text.isdigit() or len(text) > 4:
                raise InvalidInput(
                    N_("“{option}=” takes a whole number, for example {option}=5."), option=key
                )
            return int(text)
    return default


def invite(ctx: Context, command: Command) -> list[Reply]:
    role = ROLE_WORDS.get(command.args[0].lower()) if command.args else None
    if role is None:
        raise InvalidInput(
            N_("Which role? Send “invite volunteer”, “invite captain TEAM” or “invite coordinator”.")
        )
    team = None
    if role != "coordinator":
        team = pick_team(ctx, " ".join(command.args[1:]) or None)
        if team is None and any(key in command.options for key in (*USES_WORDS, *DAYS_WORDS)):
            raise InvalidInput(N_("Name the team too, for example: invite volunteer TEAM uses=5 days=3"))
        if team is None:
            choices = [
                Button(N_("{name}"), payloads.invite(role, t.id), {"name": t.name}) for t in team_choices(ctx)
            ]
            return [ctx.say(N_("An invite to which team?"), buttons=rows(choices))]
    uses, days = _number(command, USES_WORDS, 1), _number(command, DAYS_WORDS, 7)
    code = ctx.attempt(
        lambda: create_invite(
            session=ctx.session,
            actor=ctx.actor,
            community=ctx.community,
            role=InviteRole(role),
            team=team,
            uses=uses,
            valid_for=timedelta(days=days),
            now=ctx.now,
        )
    )
    where = Phrase(N_(" in team {team}"), {"team": team.name}) if team else ""
    role_name = {"volunteer": N_("volunteer"), "captain": N_("captain")}.get(role, N_("coordinator"))
    once = N_(
        "Invite code for a new {role}{team}: {code}\nIt works once, until {until}. "
        "The new member opens a chat with me and sends: /start {code}"
    )
    several = N_(
        "Invite code for new {role}s{team}: {code}\nIt works {uses} times, until {until}. "
        "Each new member opens a chat with me and sends: /start {code}"
    )
    return [
        ctx.say(
            once if code.uses_left == 1 else several,
            target="direct" if ctx.in_group else "here",
            uses=code.uses_left,
            role=Phrase(role_name),
            team=where,
            code=code.code,
            until=ctx.moment(code.expires_at),
        )
    ]
