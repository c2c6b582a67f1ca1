"""Who is looking at the board, and how far they see: a coordinator their community, a captain their teams."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from coord.errors import NotAllowed
from coord.i18n import N_
from coord.models import Community, Person, TeamRole
from coord.services.people.access import Actor
from coord.services.people.directory import roles_of


@dataclass(frozen=True)
class Viewer:
    """A captain or coordinator signed in to the board."""

    person: Person
    community: Community
    coordinator: bool
    team_ids: frozenset[int]  # the teams they captain

    @property
    def actor(self) -> Actor:
        return Actor(self.person, "web")

    @property
    def language(self) -> str:
        return self.person.language if self.person.language in ("en", "zh") else "en"

    def sees_team(self, team_id: int | None) -> bool:
        """A coordinator sees every team's work; a captain their teams' (work of no team is the office's)."""
        return self.coordinator or (team_id is not None and team_id in self.team_ids)


def viewer_of(session: Session, person: Person) -> Viewer:
    """The board's view for ``person``; volunteers are refused (the board is for those who lead)."""
    roles = roles_of(session, person)
    captained = frozenset(team.id for team, role in roles.teams if role == TeamRole.CAPTAIN)
    if not (roles.coordinator or captained):
        raise NotAllowed(N_("The board is for captains and coordinators."))
    community = session.get(Community, person.community_id)
    assert community is not None
    return Viewer(person, community, roles.coordinator, captained)


def require_board_coordinator(viewer: Viewer) -> None:
    if not viewer.coordinator:
        raise NotAllowed(N_("Only a coordinator can do this."))
