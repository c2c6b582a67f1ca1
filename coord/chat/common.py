"""What anyone can do: join with an invite code, get help, switch language, read the service standard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from coord import payloads
from coord.chat import team_chats
from coord.chat.context import Context, error_params
from coord.chat.parse import Command
from coord.chat.port import Button, Inbound, Phrase, Reply
from coord.chat.words import LANGUAGE_WORDS
from coord.errors import CoordError
from coord.i18n import N_, normalise_language
from coord.models import Community, InviteRole
from coord.services.people import invites, people
from coord.services.people.team_chats import is_link_code
from coord.services.privacy import guessing

EVERYONE = (
    N_("tasks — open work you can claim (tasks today, tasks gate, tasks p2)"),
    N_("task 12 — the card of task 12"),
    N_("claim 12 — take task 12"),
    N_("my — the tasks you hold"),
    N_("checkin 12 — you are at your post"),
    N_("done 12 — report it done; I ask for the figures (or: done 12 households=25 items=40)"),
    N_("release 12 reason — give a task back before it starts"),
    N_("cantdo 12 reason — you cannot finish it; your captain is told"),
    N_("health — today's health declaration"),
    N_("order 1-2-301 rice 1 bag, milk 2 — an order for a household (the desk); requests — its orders"),
    N_("delivered 12 / notathome 12 / refused 12 — mark a door; residents, confirm 5 — new residents"),
    N_("standard — the service standard"),
    N_("language — English or 简体中文"),
    N_("stop — leave a question I am asking you"),
)
CAPTAIN = (
    N_("board — your team: who holds what, who is at the post, what is unfilled or overdue"),
    N_("new — create a task step by step (or: new delivery due=18:00 Rice for Building 3)"),
    N_("new gate at=15:00 for=2h cap=3 place=NAME TITLE — a shift in one line; place 12 NAME — where it is"),
    N_("reassign 12 — choose someone else for task 12"),
    N_("noshow 12 NAME — someone did not come to the post"),
    N_("donefor 12 NAME — record someone's part done for them, with the reason"),
    N_("checkinfor 12 NAME — check a member in for them, with the reason"),
    N_("past — enter work done on an earlier day from paper (past gate 2026-02-20 08:00-12:00 NAME, NAME)"),
    N_("hours 12 NAME 3.5 — correct someone's hours, with the reason; hours 12 NAME shift — the whole shift"),
    N_("cancel 12 reason — cancel a task"),
    N_("announce TEXT — message your whole team"),
    N_("invite volunteer — an invite code for your team"),
    N_("invite volunteer uses=5 days=3 — a code for 5 people, for 3 days (else once, for 7 days)"),
    N_("invites — the invite codes still usable; revoke CODE — stop one"),
    N_("person NAME — a member's details; person NAME phone=… skills=a,b language=zh — change them"),
    N_("deactivate NAME REASON — they take no further part; what they hold is released"),
    N_("watch — the four-colour watch list (watch red: its households); in a direct chat"),
    N_("household 2-1-502 — a household: colour, quarantine day, last call (or search a name or phone)"),
    N_("colour 2-1-502 yellow REASON — set a household's colour; responsible / medic 2-1-502 NAME"),
    N_("link — in a group: make it your team's chat; in our direct chat: a link code for it"),
    N_("unlink — in a group: it is no longer your team's chat"),
    N_("doorcode Building 1 — the code residents join with; keep 12 — keep a request held as a duplicate"),
    N_("closeorders — close today's orders now: the group-buy runs are made at once"),
    N_("web — a one-time sign-in link to the web board, in our direct chat"),
)
COORDINATOR = (
    N_("today — today's figures so far"),
    N_("upward — the figures for the street office, today and since the start (upward 2026-02-20)"),
    N_("escalations — work that is falling through"),
    N_("teams — all teams at a glance"),
    N_("invite captain TEAM, invite coordinator — invite codes"),
    N_("secretary NAME — name the party secretary, who gets red households' follow-up"),
    N_("places, areas — the places, zones and grids; rename OLD = NEW; remove NAME (when nothing uses it)"),
    N_("grid GRID leader=NAME registrar=NAME medic=NAME buyer=NAME — a grid's leader and three roles"),
)


def help_(ctx: Context, command: Command) -> list[Reply]:
    """What this person can do, with examples, by role."""
    lines: list[Phrase] = [Phrase(line) for line in EVERYONE]
    buttons = [[Button(N_("Open tasks"), payloads.page(1)), Button(N_("My tasks"), payloads.MY)]]
    if ctx.roles.is_captain or ctx.roles.coordinator:
        lines += [Phrase(N_("As a captain:")), *(Phrase(line) for line in CAPTAIN)]
        buttons.append([Button(N_("Team board"), payloads.board()), Button(N_("New task"), payloads.NEW)])
    if ctx.roles.coordinator:
        lines += [Phrase(N_("As a coordinator:")), *(Phrase(line) for line in COORDINATOR)]
        buttons.append([Button(N_("Today"), payloads.TODAY), Button(N_("Teams"), payloads.TEAMS)])
    return [
        ctx.say(
            N_("Hello {name}! What you can do:\n{lines}"),
            buttons=buttons,
            name=ctx.person.name,
            lines=tuple(lines),
        )
    ]


def language(ctx: Context, command: Command) -> list[Reply]:
    chosen = LANGUAGE_WORDS.get(command.args[0].lower()) if command.args else None
    if chosen is None:
        choices = [Button("English", payloads.language("en")), Button("简体中文", payloads.language("zh"))]
        return [ctx.say(N_("Which language should I use?"), buttons=[choices])]
    ctx.attempt(
        lambda: people.set_language(session=ctx.session, actor=ctx.actor, person=ctx.person, language=chosen)
    )
    return [
        ctx.say(N_("I will answer in English from now on."), buttons=[[Button(N_("Help"), payloads.HELP)]])
    ]


def standard(ctx: Context, command: Command) -> list[Reply]:
    text = ctx.community.service_standard.strip()
    if not text:
        return [ctx.say(N_("This community has not written its service standard yet. Ask your coordinator."))]
    return [
        ctx.say(
            N_("Service standard of {community}:\n{standard}"), community=ctx.community.name, standard=text
        )
    ]


def start(ctx: Context, command: Command) -> list[Reply]:
    if command.args and ctx.in_group and is_link_code(ctx.session, command.args[0], ctx.now):
        return team_chats.link_here_with_code(ctx, command.args[0])  # Telegram's "add to group" link
    if command.args:
        return join(ctx.session, ctx.inbound, command.args[0], ctx.now)
    return [
        ctx.say(
            N_("Hello {name}! Send “help” to see what you can do."),
            buttons=[[Button(N_("Help"), payloads.HELP), Button(N_("Open tasks"), payloads.page(1))]],
            name=ctx.person.name,
        )
    ]


def join(session: Session, inbound: Inbound, code: str, now: datetime) -> list[Reply]:
    """Redeem an invite code: link this chat account to a person, a team and a role (a building's code, on
    its door: a resident of the building)."""
    from coord.chat import residents

    if residents.is_building_code(session, code):
        return residents.start_join(session, inbound, code, now)
    hint = normalise_language(inbound.language_hint) if inbound.language_hint else None
    account = {"network": inbound.network[:20], "external_id": inbound.user_id[:255]}
    try:
        guessing.check_guessing(session, **account, now=now)  # slowed, then refused, after wrong codes
    except CoordError as err:
        return [Reply(err.msgid, error_params(err, hint or "en"), language=hint or "en")]
    try:
        with session.begin_nested():
            joined = invites.redeem_invite(
                session=session,
                channel=inbound.network[:20],
                code=code[:40],
                external_id=inbound.user_id[:255],
                display_name=inbound.display_name[:120],
                language=hint,
                dm_chat_id=inbound.chat_id if inbound.is_private_chat else None,
                now=now,
            )
    except CoordError as err:
        guessing.record_failure(session, **account, now=now)
        return [Reply(err.msgid, error_params(err, hint or "en"), language=hint or "en")]
    community = session.get(Community, joined.person.community_id)
    assert community is not None
    ctx = Context(session, inbound, now, joined.person, community)
    buttons = [[Button(N_("Help"), payloads.HELP), Button(N_("Open tasks"), payloads.page(1))]]
    if joined.invite.role == InviteRole.COORDINATOR or joined.invite.team is None:
        text = N_(
            "Welcome, {name}! You are now a coordinator of {community}. Send “help” to see what you can do."
        )
        return [ctx.say(text, buttons=buttons, name=joined.person.name, community=community.name)]
    role = Phrase(N_("captain") if joined.invite.role == InviteRole.CAPTAIN else N_("volunteer"))
    text = N_("Welcome, {name}! You are now a {role} in team {team}. Send “help” to see what you can do.")
    return [ctx.say(text, buttons=buttons, name=joined.person.name, role=role, team=joined.invite.team.name)]


def stranger(session: Session, inbound: Inbound, command: Command, now: datetime) -> list[Reply]:
    """Someone the bot does not know: an invite code lets them in; anything else says how to get one."""
    if command.name == "start" and command.args:
        return join(session, inbound, command.args[0], now)
    if not inbound.is_private_chat and not command.addressed:
        return []  # chatter in a group is not addressed to the bot
    language = normalise_language(inbound.language_hint)
    text = N_(
        "You are not registered yet. Ask your captain for an invite code, then send “/start CODE”. "
        "A resident sends the code on their building's door the same way."
    )
    return [Reply(text, language=language)]


def unknown(ctx: Context, command: Command) -> list[Reply]:
    buttons = [[Button(N_("Help"), payloads.HELP)]]
    if command.button:
        return [
            ctx.say(N_("That button no longer works. Send “help” to see what you can do."), buttons=buttons)
        ]
    text = command.raw if len(command.raw) <= 40 else command.raw[:39] + "…"
    return [
        ctx.say(
            N_("Sorry, I did not understand “{text}”. Send “help” to see what you can do."),
            buttons=buttons,
            text=text,
        )
    ]


def empty(ctx: Context, command: Command) -> list[Reply]:
    return [ctx.say(N_("I can only read text and buttons. Send “help” to see what you can do."))]


def no_question(ctx: Context, command: Command) -> list[Reply]:
    return [ctx.say(N_("That question is no longer open. Send “help” to see what you can do."))]
