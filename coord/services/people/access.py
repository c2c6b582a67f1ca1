"""Who is acting, and what their roles let them do. Every permission check lives here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from coord.errors import NotAllowed
from coord.i18n import N_
from coord.models import HOLDING_STATES, Assignment, CommunityRole, Membership, Person, Task, Team, TeamRole


@dataclass(frozen=True)
class Actor:
    """The person behind an action and the channel it came from; ``person`` is None for the system."""

    person: Person | None
    channel: str

    @classmethod
    def system(cls, channel: str = "system") -> Actor:
        """The operator's CLI or a worker: allowed everything, recorded as such."""
        return cls(None, channel)

    @property
    def is_system(self) -> bool:
        return self.person is None

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person else None

    def require_person(self) -> Person:
        if self.person is None:
            raise NotAllowed(N_("This action must be taken by a person, not by the system."))
        return self.person


# Built once: these run on most commands, and building a statement costs more client CPU than sending it.
_COORDINATOR = exists().where(
    CommunityRole.community_id == bindparam("community_id"),
    CommunityRole.person_id == bindparam("person_id"),
    CommunityRole.role == "coordinator",
)
_CAPTAIN = exists().where(
    Membership.team_id == bindparam("team_id"),
    Membership.person_id == bindparam("person_id"),
    Membership.role == TeamRole.CAPTAIN,
)
_IS_COORDINATOR = select(_COORDINATOR)
_IS_CAPTAIN = select(_CAPTAIN)
_LEADS = select(_COORDINATOR | _CAPTAIN)
_IS_MEMBER = select(
    exists().where(Membership.team_id == bindparam("team_id"), Membership.person_id == bindparam("person_id"))
)
_HOLDS = select(
    exists().where(
        Assignment.task_id == bindparam("task_id"),
        Assignment.person_id == bindparam("person_id"),
        Assignment.state.in_(HOLDING_STATES),
    )
)


def is_coordinator(session: Session, person: Person, community_id: int) -> bool:
    return bool(session.scalar(_IS_COORDINATOR, {"community_id": community_id, "person_id": person.id}))


def is_captain(session: Session, person: Person, team_id: int | None) -> bool:
    if team_id is None:
        return False
    return bool(session.scalar(_IS_CAPTAIN, {"team_id": team_id, "person_id": person.id}))


def is_member(session: Session, person_id: int, team_id: int) -> bool:
    return bool(session.scalar(_IS_MEMBER, {"team_id": team_id, "person_id": person_id}))


def can_lead(session: Session, actor: Actor, community_id: int, team_id: int | None) -> bool:
    """The system, a coordinator of the community, or the captain of the team."""
    if actor.person is None:
        return True
    if actor.person.community_id != community_id:
        return False
    if team_id is None:
        return is_coordinator(session, actor.person, community_id)
    # One query for both roles.
    params = {"community_id": community_id, "team_id": team_id, "person_id": actor.person.id}
    return bool(session.scalar(_LEADS, params))


def require_lead(session: Session, actor: Actor, community_id: int, team_id: int | None) -> None:
    if not can_lead(session, actor, community_id, team_id):
        raise NotAllowed(N_("Only the team's captain or a coordinator can do this."))


def require_coordinator(session: Session, actor: Actor, community_id: int) -> None:
    if actor.person is None:
        return
    if actor.person.community_id != community_id or not is_coordinator(session, actor.person, community_id):
        raise NotAllowed(N_("Only a coordinator can do this."))


_CAPTAIN_ANYWHERE = select(
    exists().where(
        Membership.person_id == bindparam("person_id"),
        Membership.role == TeamRole.CAPTAIN,
        Membership.team_id.in_(select(Team.id).where(Team.community_id == bindparam("community_id"))),
    )
)


def can_keep_watch(session: Session, actor: Actor, community_id: int) -> bool:
    """The watch list (a household's colour, health and contacts) is for captains and coordinators: the
    system, a coordinator of the community, or the captain of any of its teams."""
    if actor.person is None:
        return True
    if actor.person.community_id != community_id:
        return False
    params = {"community_id": community_id, "person_id": actor.person.id}
    return bool(session.scalar(_IS_COORDINATOR, params) or session.scalar(_CAPTAIN_ANYWHERE, params))


def require_watch_keeper(session: Session, actor: Actor, community_id: int) -> None:
    if not can_keep_watch(session, actor, community_id):
        raise NotAllowed(N_("Only a captain or a coordinator can see or change the watch list."))


def can_see_private(session: Session, actor: Actor, task: Task) -> bool:
    """Private details are for the assignee, their captain and coordinators (invariant 7)."""
    if actor.person is None:
        return True
    if can_lead(session, actor, task.community_id, task.team_id):
        return True
    return bool(session.scalar(_HOLDS, {"task_id": task.id, "person_id": actor.person.id}))


def can_manage_person(session: Session, actor: Actor, person: Person) -> bool:
    """Editing or deactivating a person: the system, a coordinator of their community, or a captain over a
    volunteer of their own team (not over another captain or a coordinator)."""
    if actor.person is None:
        return True
    community_id = person.community_id
    if actor.person.community_id != community_id:
        return False
    params = {"community_id": community_id, "person_id": actor.person.id}
    if session.scalar(_IS_COORDINATOR, params):
        return True
    theirs = {"community_id": community_id, "person_id": person.id}
    if session.scalar(_IS_COORDINATOR, theirs) or session.scalar(_CAPTAIN_ANYWHERE, theirs):
        return False
    teams = session.scalars(select(Membership.team_id).where(Membership.person_id == person.id)).all()
    return any(is_captain(session, actor.person, team_id) for team_id in teams)


def require_person_manager(session: Session, actor: Actor, person: Person) -> None:
    if not can_manage_person(session, actor, person):
        raise NotAllowed(
            N_("Only {name}'s captain or a coordinator can change or deactivate them."), name=person.name
        )
