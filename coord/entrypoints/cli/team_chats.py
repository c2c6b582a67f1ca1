"""``coord team link``, ``coord team unlink`` and ``coord team chats``: a team's group chats.

A chat is named ``NETWORK:ID`` as the network knows it: ``telegram:-1001234567890``,
``matrix:!abcdef:example.org``. The operator acts as the system; ``--as NAME`` acts as that person
instead, whose right to link or unlink (the team's captain, or a coordinator) is checked.
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.people import TeamArgument
from coord.entrypoints.cli.runtime import Run, command_run
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import Community
from coord.services.people.access import Actor
from coord.services.people.people import find_person, find_team
from coord.services.people.team_chats import link_team_chat, team_chats, unlink_team_chat

ChatArgument = Annotated[
    str,
    typer.Argument(help="The chat as NETWORK:ID, e.g. telegram:-1001234567890 or matrix:!room:example.org."),
]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this person (name or number): their right to do it is checked."),
]
_CHAT = re.compile(r"([a-z]{2,20}):(\S{1,255})", re.ASCII)


def parse_chat(text: str) -> tuple[str, str]:
    """``(network, chat id)`` from ``NETWORK:ID``; anything else is refused."""
    match = _CHAT.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(
            N_(
                "Name the chat as NETWORK:ID, for example telegram:-1001234567890 or "
                "matrix:!room:example.org (not “{chat}”)."
            ),
            chat=text.strip()[:60],
        )
    return match.group(1), match.group(2)


def link_chat(
    team: TeamArgument, chat: ChatArgument, as_person: AsOption = None, community: CommunityOption = None
) -> None:
    """Make a group chat one of a team's chats: its task cards, alerts and announcements go there."""
    network, chat_id = parse_chat(chat)
    with command_run() as run:
        chosen = run.community(community)
        found = find_team(run.session, chosen.id, team)
        link_team_chat(
            session=run.session,
            actor=_actor(run, chosen, as_person),
            team=found,
            network=network,
            chat_id=chat_id,
            now=run.now,
        )
        run.out.line(
            N_("The {network} chat {chat} is now the chat of team {team}."),
            network=network,
            chat=chat_id,
            team=found.name,
        )


def unlink_chat(chat: ChatArgument, as_person: AsOption = None, community: CommunityOption = None) -> None:
    """Make a group chat no team's chat any more."""
    network, chat_id = parse_chat(chat)
    with command_run() as run:
        chosen = run.community(community)
        team = unlink_team_chat(
            session=run.session,
            actor=_actor(run, chosen, as_person),
            network=network,
            chat_id=chat_id,
            now=run.now,
        )
        run.out.line(
            N_("The {network} chat {chat} is no longer the chat of team {team}."),
            network=network,
            chat=chat_id,
            team=team.name,
        )


def list_chats(community: CommunityOption = None) -> None:
    """List each team's linked group chats."""
    with command_run() as run:
        chosen = run.community(community)
        rows = run.out.table(N_("#"), N_("team"), N_("network"), N_("chat"))
        for team, chat in team_chats(run.session, chosen.id):
            rows.add(team.id, team.name, chat.network, chat.chat_id)
        if not rows.count:
            run.out.line(
                N_(
                    "No team has a group chat yet: its captain sends /link in the group, "
                    "or use coord team link TEAM NETWORK:ID."
                )
            )


def _actor(run: Run, community: Community, as_person: str | None) -> Actor:
    if as_person is None:
        return run.actor
    return Actor(find_person(run.session, community.id, as_person), run.actor.channel)
