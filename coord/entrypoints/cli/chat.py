"""``coord chat --as NAME``: talk to the bot in the terminal as one person, for trying every flow.

What is typed goes through the conversation layer (``handle_safely``) exactly as a chat network's adapter
sends it, on a network of its own, ``terminal``: the person gets a terminal chat account (linked through
the services) the first time. Buttons are shown as numbered choices; typing a number presses one. While the
bot waits for the answer to a question, what is typed is the answer (a count, a time, a reason), and a
button is pressed with ``b`` and its number (``b1``). Replies meant for the person alone are marked
private. Lines are read from stdin, so a pipe works too.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import ChatStore, Inbound, Reply, handle_safely, render_buttons, render_text
from coord.clock import utcnow
from coord.db import make_session_factory, transaction
from coord.entrypoints.cli.community import CommunityOption, parse_language
from coord.entrypoints.cli.runtime import (
    CliError,
    cli_language,
    opened_engine,
    pick_community,
    read_settings,
    require_schema,
)
from coord.i18n import N_, translate
from coord.models import ChatAccount, Community, Conversation, Person
from coord.services.people.access import Actor
from coord.services.people.people import link_account, teams_of

NETWORK = "terminal"
LEAVE = {"exit", "quit", "/exit", "/quit", "退出"}
MOST_CANDIDATES = 8


@dataclass
class Speaker:
    """Who is typing (their terminal account), where, and the buttons the bot offered last."""

    user_id: str
    name: str
    chat_id: str
    in_group: bool
    language: str
    team: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)  # (label, payload), numbered from 1
    waiting: bool = False  # a question of the bot waits for its answer: a number typed is that answer


def chat(
    person: Annotated[
        str | None, typer.Option("--as", help="Who you are: a person's name or number.")
    ] = None,
    newcomer: Annotated[
        str | None,
        typer.Option(
            "--newcomer",
            help="Chat as someone not registered yet, by a name of your choosing: a resident with their "
            "building's code (/start CODE), a volunteer with an invite code.",
        ),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="en or zh; default: the person's language.")
    ] = None,
    group: Annotated[bool, typer.Option("--group", help="Speak in your team's group chat.")] = False,
    community: CommunityOption = None,
) -> None:
    """Chat with the bot in the terminal as someone of the community (no Telegram or Matrix needed)."""
    settings = read_settings()
    if lang:
        cli_language.set(parse_language(lang))
    if (person is None) == (newcomer is None):
        raise CliError(N_("Say who you are: --as NAME, or --newcomer NAME for someone not registered yet."))
    with opened_engine(settings) as engine:
        require_schema(engine)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            place = pick_community(session, community)
            if newcomer is not None:
                speaker = _newcomer(session, place, newcomer, group, lang)
            else:
                assert person is not None
                speaker = _speaker(session, place, find_speaker(session, place, person), group, lang)
        _converse(factory, speaker, Console(highlight=False))


def _newcomer(session: Session, community: Community, name: str, group: bool, lang: str | None) -> Speaker:
    """Someone the bot does not know yet: their own terminal account, named by ``name``. Once they join (an
    invite code, a building's code), the same name speaks as the person they became."""
    name = " ".join(name.split())[:60]
    if not name:
        raise CliError(N_("Give the newcomer a name, for example --newcomer 李阿姨."))
    if group:
        raise CliError(N_("A newcomer is in no team, so there is no group chat to speak in."))
    key = f"newcomer-{community.id}-{name}"
    account = session.scalar(
        select(ChatAccount).where(ChatAccount.network == NETWORK, ChatAccount.external_id == key)
    )
    joined = session.get(Person, account.person_id) if account is not None else None
    own = joined.language if joined is not None else cli_language.get()
    return Speaker(key, name, f"terminal-{key}", False, parse_language(lang) if lang else own)


def find_speaker(session: Session, community: Community, ref: str) -> Person:
    """The person called ``ref`` (a name or number), or a one-line error naming the candidates."""
    text = ref.strip().lstrip("#")
    people = select(Person).where(Person.community_id == community.id, Person.active.is_(True))
    if text.isdigit():
        found = session.scalar(people.where(Person.id == int(text)))
        if found is None:
            raise CliError(
                N_("There is no person number {ref} in {community}."), ref=text, community=community.name
            )
        return found
    exact = session.scalars(people.where(Person.name == text).order_by(Person.id)).all()
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise CliError(
            N_("{count} people are called “{name}”: {candidates}; give the number instead."),
            count=len(exact),
            name=text[:60],
            candidates=_listed(exact),
        )
    like = session.scalars(
        people.where(Person.name.contains(text[:60])).order_by(Person.name).limit(MOST_CANDIDATES)
    ).all()
    if like:
        raise CliError(
            N_("There is no person “{name}” in {community}; did you mean {candidates}?"),
            name=text[:60],
            community=community.name,
            candidates=_listed(like),
        )
    raise CliError(
        N_("There is no person “{name}” in {community}; coord person list shows everyone."),
        name=text[:60],
        community=community.name,
    )


def _listed(people: Sequence[Person]) -> str:
    return ", ".join(f"{p.name} (#{p.id})" for p in people)


def _speaker(
    session: Session, community: Community, person: Person, group: bool, lang: str | None
) -> Speaker:
    """Link a terminal account for ``person`` if they have none, and say where they speak."""
    account = session.scalar(
        select(ChatAccount).where(ChatAccount.network == NETWORK, ChatAccount.person_id == person.id)
    )
    user_id, direct = f"person-{person.id}", f"terminal-{person.id}"
    if account is None:
        link_account(
            session=session,
            actor=Actor.system(NETWORK),
            person=person,
            network=NETWORK,
            external_id=user_id,
            display_name=person.name,
            dm_chat_id=direct,
        )
    else:  # perhaps a newcomer who joined in the terminal: speak through the account they joined with
        user_id, direct = account.external_id, account.dm_chat_id or direct
    language = parse_language(lang) if lang else person.language
    if not group:
        return Speaker(user_id, person.name, direct, False, language)
    teams = teams_of(session, person)
    if not teams:
        raise CliError(N_("{name} is in no team, so there is no group chat to speak in."), name=person.name)
    team = teams[0][0]
    return Speaker(user_id, person.name, f"terminal-group-{team.id}", True, language, team.name)


def _converse(factory: sessionmaker[Session], speaker: Speaker, console: Console) -> None:
    """Read lines until end of input or "exit"; each goes to the bot and its replies are shown."""
    interactive = sys.stdin.isatty()
    where = (
        translate(N_("the group chat of {team}"), speaker.language, team=speaker.team)
        if speaker.in_group
        else translate(N_("your direct chat with the bot"), speaker.language)
    )
    intro = N_("You are {name}, in {where}. Type a message; a number presses a button; “exit” leaves.")
    console.print(Text(translate(intro, speaker.language, name=speaker.name, where=where), style="dim"))
    while True:
        if interactive:
            console.print(Text(f"{speaker.name} › ", style="bold"), end="")
        line = sys.stdin.readline()
        if not line:
            break
        typed = line.strip()
        if typed.lower() in LEAVE:
            break
        if typed:
            replies = handle_safely(_inbound(speaker, typed), session_factory=factory)
            speaker.waiting = _question_waits(factory, speaker)
            _show(console, speaker, replies)
            for reply in replies:  # shown: an outbox copy a reply carried is not sent again
                ChatStore(factory).reply_sent(reply)


def _question_waits(factory: sessionmaker[Session], speaker: Speaker) -> bool:
    """Whether the bot has asked this person a question in this chat that is still open."""
    with factory() as session:
        expires = session.scalar(
            select(Conversation.expires_at).where(
                Conversation.network == NETWORK,
                Conversation.user_id == speaker.user_id,
                Conversation.chat_id == speaker.chat_id,
            )
        )
    return expires is not None and expires > utcnow()


def _inbound(speaker: Speaker, typed: str) -> Inbound:
    """What was typed, or the button whose number it is (``b2``, or ``2`` when no question waits)."""
    payload = None
    number = typed[1:] if typed[:1] in ("b", "B") else "" if speaker.waiting else typed
    if number.isdigit() and 1 <= int(number) <= len(speaker.choices):
        payload = speaker.choices[int(number) - 1][1]
    return Inbound(
        network=NETWORK,
        user_id=speaker.user_id,
        display_name=speaker.name,
        chat_id=speaker.chat_id,
        is_private_chat=not speaker.in_group,
        text=None if payload else typed,
        payload=payload,
        language_hint=speaker.language,
    )


def _show(console: Console, speaker: Speaker, replies: list[Reply]) -> None:
    """Each reply (private ones marked), then every button of the replies as numbered choices."""
    speaker.choices = []
    # The private reply says itself that it is for the reader alone (仅你可见): the mark only says where.
    private = translate(N_("🔒 private message: "), speaker.language)
    for reply in replies:
        head = Text("bot › ", style="bold cyan")
        if reply.target == "direct":
            head.append(private, style="bold yellow")
        console.print(head + Text(render_text(reply, speaker.language)), soft_wrap=True)
        for row in render_buttons(reply, speaker.language):
            speaker.choices.extend(row)
    if speaker.choices:
        mark = "b" if speaker.waiting else ""
        shown = "  ".join(f"[{mark}{n}] {label}" for n, (label, _) in enumerate(speaker.choices, start=1))
        console.print(Text("      " + shown, style="cyan"), soft_wrap=True)
    if speaker.waiting:
        hint = N_("(Type your answer; b1, b2 … press a button.)")
        console.print(Text("      " + translate(hint, speaker.language), style="dim"), soft_wrap=True)
