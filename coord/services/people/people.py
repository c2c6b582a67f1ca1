"""People, their teams and roles, and the chat accounts that identify them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, NotFound
from coord.i18n import N_, normalise_language
from coord.models import (
    Area,
    ChatAccount,
    Community,
    CommunityRole,
    HealthDeclaration,
    Membership,
    Person,
    Team,
    TeamRole,
    as_id,
)
from coord.services.outbox.events import record_event
from coord.services.outbox.notifications import notify
from coord.services.people.access import Actor, require_coordinator, require_lead
from coord.services.people.communities import _required
from coord.services.people.phones import e164

# Linking a team's chat lives in team_chats; it stays importable from here.
from coord.services.people.team_chats import link_team_chat as link_team_chat


def add_person(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    name: str,
    phone: str = "",
    language: str | None = None,
    skills: list[str] | None = None,
    now: datetime | None = None,
) -> Person:
    require_coordinator(session, actor, community.id)
    person = Person(
        community_id=community.id,
        name=_required(name, N_("name")),
        phone=e164(phone, community.phone_region),
        language=normalise_language(language or community.language),
        skills=sorted({s.strip().lower() for s in skills or [] if s.strip()}),
    )
    session.add(person)
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="person_added",
        community_id=community.id,
        subject_id=person.id,
    )
    return person


def create_team(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    name: str,
    area: Area | None = None,
    is_reserve: bool = False,
    now: datetime | None = None,
) -> Team:
    require_coordinator(session, actor, community.id)
    name = _required(name, N_("team name"))
    if session.scalar(select(Team.id).where(Team.community_id == community.id, Team.name == name)):
        raise InvalidInput(N_("A team called “{name}” exists already."), name=name)
    team = Team(
        community_id=community.id, name=name, area_id=area.id if area else None, is_reserve=is_reserve
    )
    session.add(team)
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="team_created",
        community_id=community.id,
        team_id=team.id,
        name=name,
    )
    return team


def find_team(session: Session, community_id: int, ref: str | int) -> Team:
    """A team by id or by name."""
    query = select(Team).where(Team.community_id == community_id)
    text = str(ref).strip()
    number = as_id(text)
    team = session.scalar(
        query.where(Team.id == number) if number is not None else query.where(Team.name == text)
    )
    if team is None:
        raise NotFound(N_("There is no team “{ref}”."), ref=text[:60])
    return team


def find_person(session: Session, community_id: int, ref: str | int) -> Person:
    """A person by id or by exact name."""
    text = str(ref).strip()
    query = select(Person).where(Person.community_id == community_id)
    if text.isascii() and text.isdigit():
        number = as_id(text)
        person = session.scalar(query.where(Person.id == number)) if number is not None else None
    else:
        matches = session.scalars(query.where(Person.name == text)).all()
        if len(matches) > 1:
            raise InvalidInput(
                N_("{count} people are called “{name}”; use their number instead."),
                count=len(matches),
                name=text[:60],
            )
        person = matches[0] if matches else None
    if person is None:
        raise NotFound(N_("There is no person “{ref}”."), ref=text[:60])
    return person


def add_member(
    *,
    session: Session,
    actor: Actor,
    team: Team,
    person: Person,
    role: TeamRole = TeamRole.VOLUNTEER,
    now: datetime | None = None,
) -> Membership:
    """Put ``person`` in ``team`` with ``role``; an existing membership takes the new role."""
    if role == TeamRole.CAPTAIN:
        require_coordinator(session, actor, team.community_id)
    else:
        require_lead(session, actor, team.community_id, team.id)
    if person.community_id != team.community_id:
        raise InvalidInput(N_("{name} belongs to another community."), name=person.name)
    membership = session.scalar(
        select(Membership).where(Membership.team_id == team.id, Membership.person_id == person.id)
    )
    moment = now or utcnow()
    changed = membership is not None and membership.role != role
    if membership is None:
        membership = Membership(team_id=team.id, person_id=person.id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    record_event(
        session,
        at=moment,
        actor=actor,
        action="member_added",
        community_id=team.community_id,
        subject_id=person.id,
        team_id=team.id,
        role=str(role),
    )
    if changed:  # a role given from the board, the CLI or an import: the person hears it from the bot
        notify(
            session,
            dedupe_key=f"member:{team.id}:{person.id}:{role}:{moment.isoformat()}",
            community_id=team.community_id,
            person_id=person.id,
            msgid=ROLE_TOLD[role],
            params={"team": team.name},
            at=moment,
        )
    return membership


#: What a person is told when their role in a team changes.
ROLE_TOLD = {
    TeamRole.CAPTAIN: N_(
        "You are now a captain of team {team}: you can post and assign its work; send help to see how."
    ),
    TeamRole.VOLUNTEER: N_("You are now a volunteer of team {team}, no longer its captain."),
}


def remove_member(
    *, session: Session, actor: Actor, team: Team, person: Person, now: datetime | None = None
) -> None:
    require_lead(session, actor, team.community_id, team.id)
    membership = session.scalar(
        select(Membership).where(Membership.team_id == team.id, Membership.person_id == person.id)
    )
    if membership is None:
        raise NotFound(N_("{name} is not in team {team}."), name=person.name, team=team.name)
    session.delete(membership)
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="member_removed",
        community_id=team.community_id,
        subject_id=person.id,
        team_id=team.id,
    )


def make_coordinator(
    *, session: Session, actor: Actor, person: Person, now: datetime | None = None
) -> CommunityRole:
    require_coordinator(session, actor, person.community_id)
    role = session.scalar(
        select(CommunityRole).where(
            CommunityRole.community_id == person.community_id, CommunityRole.person_id == person.id
        )
    )
    if role is None:
        role = CommunityRole(community_id=person.community_id, person_id=person.id, role="coordinator")
        session.add(role)
        session.flush()
        record_event(
            session,
            at=now or utcnow(),
            actor=actor,
            action="coordinator_added",
            community_id=person.community_id,
            subject_id=person.id,
        )
    return role


def teams_of(session: Session, person: Person) -> list[tuple[Team, TeamRole]]:
    rows = session.execute(
        select(Team, Membership.role)
        .join(Membership, Membership.team_id == Team.id)
        .where(Membership.person_id == person.id)
        .order_by(Team.name)
    ).all()
    return [(team, role) for team, role in rows]


def link_account(
    *,
    session: Session,
    actor: Actor,
    person: Person,
    network: str,
    external_id: str,
    display_name: str = "",
    dm_chat_id: str | None = None,
    now: datetime | None = None,
) -> ChatAccount:
    """Bind a chat identity to ``person``; an identity already bound elsewhere is refused."""
    account = session.scalar(
        select(ChatAccount).where(ChatAccount.network == network, ChatAccount.external_id == external_id)
    )
    if account is not None and account.person_id != person.id:
        raise InvalidInput(N_("This chat account is already linked to someone else."))
    if account is None:
        account = ChatAccount(person_id=person.id, network=network, external_id=external_id)
        session.add(account)
    account.display_name = display_name[:255]
    if dm_chat_id:
        account.dm_chat_id = dm_chat_id
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="account_linked",
        community_id=person.community_id,
        subject_id=person.id,
        network=network,
    )
    return account


def person_by_account(session: Session, network: str, external_id: str) -> Person | None:
    return session.scalar(
        select(Person)
        .join(ChatAccount, ChatAccount.person_id == Person.id)
        .where(
            ChatAccount.network == network, ChatAccount.external_id == external_id, Person.active.is_(True)
        )
    )


def set_language(
    *, session: Session, actor: Actor, person: Person, language: str, now: datetime | None = None
) -> Person:
    person.language = normalise_language(language)
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="language_set",
        community_id=person.community_id,
        subject_id=person.id,
        language=person.language,
    )
    return person


def declare_health(
    *,
    session: Session,
    actor: Actor,
    day: date,
    healthy: bool,
    temperature: float | None = None,
    now: datetime | None = None,
) -> HealthDeclaration:
    """Today's self-declaration (required before claiming where the community asks for it). "Not well":
    the person's work of the next day goes to their captain at once, to be given to someone else."""
    person = actor.require_person()
    if temperature is not None and not 34 <= temperature <= 43:
        raise InvalidInput(N_("A body temperature must be between 34 and 43 °C."))
    declaration = session.scalar(
        select(HealthDeclaration).where(
            HealthDeclaration.person_id == person.id, HealthDeclaration.day == day
        )
    )
    if declaration is None:
        declaration = HealthDeclaration(person_id=person.id, day=day, healthy=healthy)
        session.add(declaration)
    declaration.healthy = healthy
    declaration.temperature = temperature
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="health_declared",
        community_id=person.community_id,
        subject_id=person.id,
        healthy=healthy,
    )
    if not healthy:
        from coord.services.work.stand_down import stand_down

        stand_down(session, person, now=now or utcnow())
    return declaration


def captains_of(session: Session, team_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Membership.person_id)
            .join(Person, Person.id == Membership.person_id)
            .where(
                Membership.team_id == team_id,
                Membership.role == TeamRole.CAPTAIN,
                Person.active.is_(True),  # a deactivated captain hears nothing: their team's work goes on
            )
            .order_by(Membership.person_id)
        )
    )


def coordinators_of(session: Session, community_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CommunityRole.person_id)
            .join(Person, Person.id == CommunityRole.person_id)
            .where(
                CommunityRole.community_id == community_id,
                CommunityRole.role == "coordinator",
                Person.active.is_(True),
            )
            .order_by(CommunityRole.person_id)
        )
    )
