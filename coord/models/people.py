"""Who takes part: people, their chat accounts, teams, roles and invites."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coord.clock import utcnow
from coord.models.base import Base, enum_column


class TeamRole(enum.StrEnum):
    VOLUNTEER = "volunteer"
    CAPTAIN = "captain"  # 队长 / 网格长 / 组长


class InviteRole(enum.StrEnum):
    VOLUNTEER = "volunteer"
    CAPTAIN = "captain"
    COORDINATOR = "coordinator"  # 支部书记 / 片区负责人 / community office


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    accounts: Mapped[list[ChatAccount]] = relationship(back_populates="person")
    memberships: Mapped[list[Membership]] = relationship(back_populates="person")


class ChatAccount(Base):
    """A person's identity on one chat network; ``dm_chat_id`` is the direct chat with the bot."""

    __tablename__ = "chat_account"
    __table_args__ = (UniqueConstraint("network", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    network: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    dm_chat_id: Mapped[str | None] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="accounts")


class Team(Base):
    """An assault team (突击队), grid team or working group."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    is_reserve: Mapped[bool] = mapped_column(default=False)  # the assault team urgent work falls back to
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="team")
    chats: Mapped[list[TeamChat]] = relationship(back_populates="team")


class TeamChat(Base):
    """A group chat or room where a team's public task cards are posted."""

    __tablename__ = "team_chat"
    __table_args__ = (UniqueConstraint("network", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    network: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(255))

    team: Mapped[Team] = relationship(back_populates="chats")


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("team_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole), default=TeamRole.VOLUNTEER)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")


class CommunityRole(Base):
    """A coordinator of a community."""

    __tablename__ = "community_role"
    __table_args__ = (UniqueConstraint("community_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="coordinator")


class Invite(Base):
    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    role: Mapped[InviteRole] = mapped_column(enum_column(InviteRole))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # for a person already known
    expires_at: Mapped[datetime]
    uses_left: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship()


class HealthDeclaration(Base):
    """A volunteer's daily health self-declaration, where the community requires one before claiming."""

    __tablename__ = "health_declaration"
    __table_args__ = (UniqueConstraint("person_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    day: Mapped[date]  # in the community's timezone
    healthy: Mapped[bool]
    temperature: Mapped[float | None]
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
