"""The demo's community: the seed's 万科嘉园, every person on the demo's own chat network, and who is who.

Each person gets a chat account on the network ``demo`` with a direct chat, and each team a group chat,
linked through the services as a bot would link them; the simulated people speak from these accounts and
the workers' messages come back to them through the demo's gateway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coord.db import transaction
from coord.entrypoints.seed import DemoSummary, seed_demo
from coord.models import Community, Membership, Person, Team, TeamRole
from coord.services.people.access import Actor
from coord.services.people.communities import update_community
from coord.services.people.people import coordinators_of, link_account, link_team_chat, set_language

NETWORK = "demo"
SETTER = Actor.system("demo")


@dataclass(frozen=True)
class Member:
    """One person of the community as the simulation knows them."""

    id: int
    name: str
    team_id: int | None
    captain: bool = False

    @property
    def user_id(self) -> str:
        return f"person-{self.id}"

    @property
    def direct_chat(self) -> str:
        return f"direct-{self.id}"


@dataclass
class Cast:
    """Everyone in the demo community: the coordinator, each team's captain and volunteers."""

    community_id: int
    timezone: str
    coordinator: Member
    teams: dict[int, str] = field(default_factory=dict)
    reserve_team_id: int | None = None
    captains: dict[int, Member] = field(default_factory=dict)
    volunteers: dict[int, list[Member]] = field(default_factory=dict)
    residents: list[Member] = field(default_factory=list)  # who join from their building's door (orders.py)

    @property
    def everyone(self) -> list[Member]:
        people = [self.coordinator, *self.captains.values()]
        return people + [m for team in self.volunteers.values() for m in team]

    def member(self, person_id: int) -> Member | None:
        return next((m for m in (*self.everyone, *self.residents) if m.id == person_id), None)

    @staticmethod
    def group_chat(team_id: int) -> str:
        return f"group-{team_id}"

    def team_of_chat(self, chat_id: str) -> int | None:
        """The team whose group chat ``chat_id`` is."""
        prefix, _, number = chat_id.partition("-")
        return int(number) if prefix == "group" and number.isdigit() else None

    def person_of_chat(self, chat_id: str) -> Member | None:
        prefix, _, number = chat_id.partition("-")
        return self.member(int(number)) if prefix == "direct" and number.isdigit() else None


def build_world(
    factory: sessionmaker[Session], *, start: datetime, seed: int, language: str
) -> tuple[Cast, DemoSummary]:
    """Seed the community at ``start``, put everyone on the demo network, speak ``language``."""
    with transaction(factory) as session:
        summary = seed_demo(session=session, now=start, seed=seed)
        community = session.get_one(Community, summary.community_id)
        update_community(session=session, actor=SETTER, community=community, language=language)
        people = session.scalars(
            select(Person).where(Person.community_id == community.id).order_by(Person.id)
        ).all()
        for person in people:
            set_language(session=session, actor=SETTER, person=person, language=language)
            member = Member(person.id, person.name, None)
            link_account(
                session=session,
                actor=SETTER,
                person=person,
                network=NETWORK,
                external_id=member.user_id,
                display_name=person.name,
                dm_chat_id=member.direct_chat,
            )
        teams = session.scalars(select(Team).where(Team.community_id == community.id).order_by(Team.id)).all()
        for team in teams:
            chat = Cast.group_chat(team.id)
            link_team_chat(session=session, actor=SETTER, team=team, network=NETWORK, chat_id=chat)
        cast = _cast(session, community, teams)
    return cast, summary


def _cast(session: Session, community: Community, teams: Sequence[Team]) -> Cast:
    (coordinator_id, *_) = coordinators_of(session, community.id)
    coordinator = session.get_one(Person, coordinator_id)
    cast = Cast(community.id, community.timezone, Member(coordinator.id, coordinator.name, None))
    for team in teams:
        cast.teams[team.id] = team.name
        cast.volunteers[team.id] = []
        if team.is_reserve:
            cast.reserve_team_id = team.id
    rows = session.execute(
        select(Membership.team_id, Membership.role, Person.id, Person.name)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.team_id.in_(list(cast.teams)))
        .order_by(Person.id)
    ).all()
    for team_id, role, person_id, name in rows:
        if role == TeamRole.CAPTAIN:
            cast.captains[team_id] = Member(person_id, name, team_id, captain=True)
        else:
            cast.volunteers[team_id].append(Member(person_id, name, team_id))
    return cast
