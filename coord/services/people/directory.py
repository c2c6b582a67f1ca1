"""Who is who in chat: the person behind an account, their roles, and the team of a group chat."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, case, select, update
from sqlalchemy.orm import Session

from coord.models import (
    ChatAccount,
    Community,
    CommunityRole,
    Conversation,
    Membership,
    Person,
    Team,
    TeamChat,
    TeamRole,
)


@dataclass(frozen=True)
class Roles:
    """What a person is: coordinator or not, and their teams with their role in each."""

    coordinator: bool
    teams: tuple[tuple[Team, TeamRole], ...]

    @property
    def led_teams(self) -> list[Team]:
        return [team for team, role in self.teams if role == TeamRole.CAPTAIN]

    @property
    def is_captain(self) -> bool:
        return bool(self.led_teams)

    @property
    def first_team_id(self) -> int | None:
        return self.teams[0][0].id if self.teams else None


# Statements used on every chat message are built once: building one and computing its cache key
# costs more client CPU than sending it.
_COORDINATES = (
    select(CommunityRole.id)
    .where(
        CommunityRole.community_id == Person.community_id,
        CommunityRole.person_id == Person.id,
        CommunityRole.role == "coordinator",
    )
    .exists()
)
_ROLES = (
    select(Team, Membership.role, _COORDINATES)
    .select_from(Person)
    .outerjoin(Membership, Membership.person_id == Person.id)
    .outerjoin(Team, Team.id == Membership.team_id)
    .where(Person.id == bindparam("person_id"))
    .order_by(case((Membership.role == TeamRole.CAPTAIN, 0), else_=1), Team.name)
)


def roles_of(session: Session, person: Person) -> Roles:
    """One query: the person's teams with their role in each, and whether they coordinate the community."""
    rows = session.execute(_ROLES, {"person_id": person.id}).all()
    coordinator = bool(rows and rows[0][2])
    return Roles(coordinator, tuple((team, role) for team, role, _ in rows if team is not None))


@dataclass(frozen=True)
class Speaker:
    """Who wrote: the person, their community, their conversation in this chat, their direct chat."""

    person: Person
    community: Community
    conversation: Conversation | None
    account_id: int
    direct_chat_id: str | None


_SPEAKER = (
    select(Person, Community, Conversation, ChatAccount.id, ChatAccount.dm_chat_id)
    .join(ChatAccount, ChatAccount.person_id == Person.id)
    .join(Community, Community.id == Person.community_id)
    .outerjoin(
        Conversation,
        and_(
            Conversation.network == bindparam("network"),
            Conversation.user_id == bindparam("user_id"),
            Conversation.chat_id == bindparam("chat_id"),
            Conversation.person_id == Person.id,
        ),
    )
    .where(
        ChatAccount.network == bindparam("network"),
        ChatAccount.external_id == bindparam("user_id"),
        Person.active.is_(True),
    )
)


def speaker(session: Session, network: str, user_id: str, chat_id: str) -> Speaker | None:
    """One query: who is behind a chat account, their community, and their conversation in this chat."""
    row = session.execute(_SPEAKER, {"network": network, "user_id": user_id, "chat_id": chat_id}).first()
    return Speaker(*row) if row is not None else None


def remember_direct_chat(session: Session, account_id: int, chat_id: str) -> None:
    """Keep the chat a person last wrote to the bot in privately: private details go there."""
    session.execute(
        update(ChatAccount)
        .where(ChatAccount.id == account_id)
        .values(dm_chat_id=chat_id)
        .execution_options(synchronize_session=False)
    )


def team_of_chat(session: Session, network: str, chat_id: str) -> Team | None:
    """The team whose group chat this is, if any."""
    return session.scalar(
        select(Team)
        .join(TeamChat, TeamChat.team_id == Team.id)
        .where(TeamChat.network == network, TeamChat.chat_id == chat_id)
    )


def community_teams(session: Session, community_id: int, *, limit: int = 12) -> list[Team]:
    return list(
        session.scalars(
            select(Team).where(Team.community_id == community_id).order_by(Team.name).limit(limit)
        )
    )
