"""Team group chats: the chats where a team's task cards, alerts and announcements are posted.

A chat becomes a team's when someone who leads the team (its captain, or a coordinator) links it: said in
the chat itself, or with a one-time link code made beforehand, or by the operator (``coord team link``).
Unlinking it takes the same; a chat the bot has left or been removed from is unlinked by the system.
Delivery sends a team's notifications to every chat linked to it (``coord.services.outbox.delivery``).

A link code is a two-step exchange with the bot kept as a ``Conversation`` of its maker: made in one chat
(``link`` in a direct chat), finished in another (the group, where the code is said). Its row sits in a
chat of its own, ``link:<CODE>``, that no network's chat id can be, and it expires like any conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, NotAllowed, NotFound
from coord.i18n import N_
from coord.models import Conversation, Person, Team, TeamChat
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, can_lead, require_lead
from coord.services.people.codes import looks_like_code, new_code, normalise_code
from coord.services.people.directory import speaker

LINK_CODE_VALID_FOR = timedelta(minutes=30)
CODE_UNKNOWN = N_(
    "That link code is not known or has expired. Make a new one: send “link” in your direct chat with me."
)
LINK_FLOW = "team_link"
_CODE_CHAT = "link:"


def find_team_chat(session: Session, network: str, chat_id: str) -> TeamChat | None:
    return session.scalar(
        select(TeamChat).where(TeamChat.network == network[:20], TeamChat.chat_id == chat_id[:255])
    )


def link_team_chat(
    *,
    session: Session,
    actor: Actor,
    team: Team,
    network: str,
    chat_id: str,
    now: datetime | None = None,
    said_by: Person | None = None,
) -> TeamChat:
    """Make the chat ``chat_id`` on ``network`` one of ``team``'s chats (a chat is one team's at most).

    The actor must lead ``team``, and also the team whose chat it was, if any. ``said_by`` is who said the
    link code in the chat, when the link is made with one (the actor is then the code's maker).
    """
    require_lead(session, actor, team.community_id, team.id)
    chat = find_team_chat(session, network, chat_id)
    if chat is not None and chat.team_id == team.id:
        return chat
    earlier = session.get_one(Team, chat.team_id) if chat is not None else None
    if earlier is not None and not can_lead(session, actor, earlier.community_id, earlier.id):
        if earlier.community_id != team.community_id:
            raise NotAllowed(N_("This chat is the chat of a team of another community."))
        raise NotAllowed(
            N_("This chat is the chat of team {team}; only its captain or a coordinator can change that."),
            team=earlier.name,
        )
    if chat is None:
        chat = TeamChat(team_id=team.id, network=network[:20], chat_id=chat_id[:255])
        session.add(chat)
    else:
        chat.team_id = team.id
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="team_chat_linked",
        community_id=team.community_id,
        subject_id=said_by.id if said_by is not None else None,
        team_id=team.id,
        network=chat.network,
        chat_id=chat.chat_id,
        moved_from_team_id=earlier.id if earlier is not None else None,
        with_code=said_by is not None,
    )
    return chat


def unlink_team_chat(
    *, session: Session, actor: Actor, network: str, chat_id: str, now: datetime | None = None
) -> Team:
    """The chat is no team's any more; returns the team it was the chat of."""
    chat = find_team_chat(session, network, chat_id)
    if chat is None:
        raise NotFound(N_("This chat is not the chat of any team."))
    team = session.get_one(Team, chat.team_id)
    require_lead(session, actor, team.community_id, team.id)
    _unlink(session, chat, team, actor=actor, now=now or utcnow(), reason="unlinked")
    return team


def bot_left_chat(
    *, session: Session, network: str, chat_id: str, by_user: str = "", now: datetime | None = None
) -> Team | None:
    """The bot left the chat or was removed from it: nothing can be posted there, so it is no team's any
    more. ``by_user`` is the network's id of whoever removed the bot, recorded as the actor when known."""
    chat = find_team_chat(session, network, chat_id)
    if chat is None:
        return None
    team = session.get_one(Team, chat.team_id)
    remover = speaker(session, network[:20], by_user[:255], "") if by_user else None
    actor = Actor(remover.person, network[:20]) if remover is not None else Actor.system(network[:20])
    _unlink(session, chat, team, actor=actor, now=now or utcnow(), reason="bot_removed")
    return team


def move_team_chat(
    *, session: Session, network: str, old_chat_id: str, new_chat_id: str, now: datetime | None = None
) -> TeamChat | None:
    """The chat has a new id (a Telegram group upgraded to a supergroup): its link follows it."""
    chat = find_team_chat(session, network, old_chat_id)
    if chat is None or old_chat_id == new_chat_id:
        return chat
    if find_team_chat(session, network, new_chat_id) is not None:  # the new id was linked meanwhile: it stays
        session.delete(chat)
        session.flush()
        return find_team_chat(session, network, new_chat_id)
    chat.chat_id = new_chat_id[:255]
    session.flush()
    team = session.get_one(Team, chat.team_id)
    record_event(
        session,
        at=now or utcnow(),
        actor=Actor.system(network[:20]),
        action="team_chat_moved",
        community_id=team.community_id,
        team_id=team.id,
        network=chat.network,
        chat_id=chat.chat_id,
        old_chat_id=old_chat_id[:255],
    )
    return chat


def team_chats(session: Session, community_id: int) -> list[tuple[Team, TeamChat]]:
    """Every linked chat of the community's teams, by team name."""
    rows = session.execute(
        select(Team, TeamChat)
        .join(TeamChat, TeamChat.team_id == Team.id)
        .where(Team.community_id == community_id)
        .order_by(Team.name, TeamChat.network, TeamChat.chat_id)
    ).all()
    return [(team, chat) for team, chat in rows]


@dataclass(frozen=True)
class LinkCode:
    code: str
    team: Team
    expires_at: datetime


def make_link_code(*, session: Session, actor: Actor, team: Team, now: datetime | None = None) -> LinkCode:
    """A one-time code that links the chat it is said in to ``team``, on behalf of the actor, who must
    lead the team (and still must when the code is said). The maker's earlier code for the team is dropped."""
    require_lead(session, actor, team.community_id, team.id)
    maker = actor.require_person()
    moment = now or utcnow()
    session.execute(
        delete(Conversation)
        .where(
            Conversation.person_id == maker.id,
            Conversation.flow == LINK_FLOW,
            Conversation.step == str(team.id),
        )
        .execution_options(synchronize_session=False)
    )
    code = new_code()
    while _pending(session, code) is not None:
        code = new_code()
    session.add(
        Conversation(
            network=actor.channel[:20],
            user_id=f"person-{maker.id}",
            chat_id=_CODE_CHAT + code,
            person_id=maker.id,
            flow=LINK_FLOW,
            step=str(team.id),
            data={"team_id": team.id},
            started_at=moment,
            expires_at=moment + LINK_CODE_VALID_FOR,
        )
    )
    session.flush()
    record_event(
        session,
        at=moment,
        actor=actor,
        action="team_link_code_made",
        community_id=team.community_id,
        team_id=team.id,
    )
    return LinkCode(code, team, moment + LINK_CODE_VALID_FOR)


def is_link_code(session: Session, typed: str, now: datetime) -> bool:
    """Whether ``typed`` is a link code that can still be used."""
    if not looks_like_code(typed):
        return False
    pending = _pending(session, normalise_code(typed))
    return pending is not None and pending.expires_at > now


def link_with_code(
    *,
    session: Session,
    code: str,
    network: str,
    chat_id: str,
    said_by: Person | None = None,
    now: datetime | None = None,
) -> TeamChat:
    """Link the chat where ``code`` was said to the code's team, as its maker; the code is used up."""
    moment = now or utcnow()
    pending = _pending(session, normalise_code(code)) if looks_like_code(code) else None
    if pending is None or pending.expires_at <= moment:
        raise InvalidInput(CODE_UNKNOWN)
    maker = session.get_one(Person, pending.person_id)
    team = session.get_one(Team, int(pending.data["team_id"]))
    session.delete(pending)
    session.flush()
    actor = Actor(maker, network[:20])
    return link_team_chat(
        session=session, actor=actor, team=team, network=network, chat_id=chat_id, now=moment, said_by=said_by
    )


def _pending(session: Session, code: str) -> Conversation | None:
    return session.scalar(
        select(Conversation).where(Conversation.chat_id == _CODE_CHAT + code, Conversation.flow == LINK_FLOW)
    )


def _unlink(
    session: Session, chat: TeamChat, team: Team, *, actor: Actor, now: datetime, reason: str
) -> None:
    network, chat_id = chat.network, chat.chat_id
    session.delete(chat)
    session.flush()
    record_event(
        session,
        at=now,
        actor=actor,
        action="team_chat_unlinked",
        community_id=team.community_id,
        team_id=team.id,
        network=network,
        chat_id=chat_id,
        reason=reason,
    )
