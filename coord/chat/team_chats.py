"""A team's group chat: ``link`` and ``unlink`` said in the group, a one-time link code made in a direct
chat, and what the bot says and does when it is added to a group or leaves one.

Linked, a group gets its team's task cards, alerts and announcements. Who may link or unlink, and what
is recorded, is decided by ``coord.services.people.team_chats``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from coord import payloads
from coord.chat.captain import team_choices
from coord.chat.context import Context, rows
from coord.chat.parse import Command
from coord.chat.port import Button, Inbound, Phrase, Reply
from coord.errors import InvalidInput, NotFound
from coord.i18n import N_, normalise_language
from coord.models import Community, PostedCard, Team
from coord.services.people.codes import looks_like_code
from coord.services.people.directory import speaker, team_of_chat
from coord.services.people.people import find_team
from coord.services.people.team_chats import (
    CODE_UNKNOWN,
    bot_left_chat,
    is_link_code,
    link_team_chat,
    link_with_code,
    make_link_code,
    move_team_chat,
    unlink_team_chat,
)

NOT_REGISTERED = N_(
    "You are not registered yet. Ask your captain for an invite code, then send “/start CODE”."
)


def link(ctx: Context, command: Command) -> list[Reply]:
    """In a group: make it the chat of a team (named, or the one the speaker leads), or of a link code's
    team. In a direct chat: a one-time link code to say in the group."""
    ref = " ".join(command.args).strip()
    if not ctx.in_group:
        return _make_code(ctx, ref)
    if ref and is_link_code(ctx.session, ref, ctx.now):
        return link_here_with_code(ctx, ref)
    here = team_of_chat(ctx.session, ctx.inbound.network, ctx.inbound.chat_id)
    team = _named_team(ctx, ref) if ref else _only_team(ctx)
    if team is None:
        if here is not None:
            return [ctx.say(N_("This chat is already the chat of team {team}."), team=here.name)]
        return [_which_team(ctx, N_("Which team should this chat be for? Send “/link TEAM”, or choose:"))]
    if here is not None and here.id == team.id:
        return [ctx.say(N_("This chat is already the chat of team {team}."), team=team.name)]
    ctx.attempt(
        lambda: link_team_chat(
            session=ctx.session,
            actor=ctx.actor,
            team=team,
            network=ctx.inbound.network,
            chat_id=ctx.inbound.chat_id,
            now=ctx.now,
        )
    )
    return [_linked(ctx, team, here)]


def link_here_with_code(ctx: Context, code: str) -> list[Reply]:
    """The link code said in this group (``/link CODE``, or ``/start CODE`` from Telegram's group link)."""
    here = team_of_chat(ctx.session, ctx.inbound.network, ctx.inbound.chat_id)
    chat = ctx.attempt(
        lambda: link_with_code(
            session=ctx.session,
            code=code,
            network=ctx.inbound.network,
            chat_id=ctx.inbound.chat_id,
            said_by=ctx.person,
            now=ctx.now,
        )
    )
    return [_linked(ctx, ctx.session.get_one(Team, chat.team_id), here)]


def unlink(ctx: Context, command: Command) -> list[Reply]:
    """The group is no team's chat any more (said in the group by its team's captain or a coordinator)."""
    if not ctx.in_group:
        return [ctx.say(N_("Send “/unlink” in the group chat itself: it then stops being a team's chat."))]
    team = ctx.attempt(
        lambda: unlink_team_chat(
            session=ctx.session,
            actor=ctx.actor,
            network=ctx.inbound.network,
            chat_id=ctx.inbound.chat_id,
            now=ctx.now,
        )
    )
    text = N_(
        "This chat is no longer the chat of team {team}: its task cards, alerts and announcements "
        "stop coming here."
    )
    return [ctx.say(text, team=team.name)]


def _make_code(ctx: Context, ref: str) -> list[Reply]:
    if ref and is_link_code(ctx.session, ref, ctx.now):
        return [ctx.say(N_("Send the link code in the group chat you want to link, not here."))]
    team = _named_team(ctx, ref) if ref else _only_team(ctx)
    if team is None:
        return [_which_team(ctx, N_("A link code for which team's chat? Send “link TEAM”, or choose:"))]
    made = ctx.attempt(lambda: make_link_code(session=ctx.session, actor=ctx.actor, team=team, now=ctx.now))
    text = N_(
        "Link code for the chat of team {team}: {link_code}\n"
        "It works once, until {until}. Add me to the team's group chat, then send there: /link {link_code}"
    )
    return [ctx.say(text, team=team.name, link_code=made.code, until=ctx.moment(made.expires_at))]


def _named_team(ctx: Context, ref: str) -> Team:
    try:
        return find_team(ctx.session, ctx.community.id, ref.lstrip("#"))
    except NotFound:
        if looks_like_code(ref):  # a link code that is used up or has expired
            raise InvalidInput(CODE_UNKNOWN) from None
        raise


def _only_team(ctx: Context) -> Team | None:
    """The team a captain leads, when it is one and they do not coordinate (a coordinator names it)."""
    led = ctx.roles.led_teams
    return led[0] if len(led) == 1 and not ctx.roles.coordinator else None


def _which_team(ctx: Context, question: str) -> Reply:
    choices = [Button(N_("{name}"), payloads.link(t.id), {"name": t.name}) for t in team_choices(ctx)]
    return ctx.say(question, buttons=rows(choices))


def _linked(ctx: Context, team: Team, before: Team | None) -> Reply:
    moved = (
        Phrase(N_("\nUntil now it was the chat of team {team}."), {"team": before.name})
        if before is not None and before.id != team.id
        else ""
    )
    text = N_(
        "This chat is now the chat of team {team}: its task cards, alerts and announcements come here. "
        "To stop that, send “/unlink”.{moved}"
    )
    return ctx.say(text, team=team.name, moved=moved)


# ---- the bot added to a chat, or gone from it (adapters call these through the ChatStore) -------------


def greeting(session: Session, inbound: Inbound, now: datetime) -> list[Reply]:
    """What the bot says in a group it was just added to, by ``inbound.user_id``."""
    found = speaker(session, inbound.network[:20], inbound.user_id[:255], inbound.chat_id[:255])
    if found is None:
        return [Reply(NOT_REGISTERED, language=normalise_language(inbound.language_hint))]
    community = session.get_one(Community, found.person.community_id)
    ctx = Context(session, inbound, now, found.person, community)
    team = team_of_chat(session, inbound.network, inbound.chat_id)
    if team is not None:
        return [ctx.say(N_("Hello again! This chat is the chat of team {team}."), team=team.name)]
    text = N_(
        "Hello! Once a team's captain or a coordinator sends “/link” here (“/link TEAM” for one of "
        "several teams), this chat gets the team's task cards, alerts and announcements."
    )
    return [ctx.say(text)]


def bot_left(session: Session, *, network: str, chat_id: str, by_user: str, now: datetime) -> Team | None:
    """The bot left the chat or was removed: the chat is no team's, and its cards there are forgotten."""
    team = bot_left_chat(session=session, network=network, chat_id=chat_id, by_user=by_user, now=now)
    session.execute(
        delete(PostedCard).where(PostedCard.network == network[:20], PostedCard.chat_id == chat_id[:255])
    )
    return team


def chat_moved(session: Session, *, network: str, old_chat_id: str, new_chat_id: str, now: datetime) -> None:
    """The chat got a new id (a Telegram group upgraded to a supergroup): its link follows; the cards
    posted under the old id can no longer be edited."""
    move_team_chat(
        session=session, network=network, old_chat_id=old_chat_id, new_chat_id=new_chat_id, now=now
    )
    session.execute(
        delete(PostedCard).where(PostedCard.network == network[:20], PostedCard.chat_id == old_chat_id[:255])
    )
