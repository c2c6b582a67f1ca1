"""What a seeded community holds, counted from the database (the seed's and the demo's summary)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.i18n import N_
from coord.models import (
    Area,
    AreaKind,
    Community,
    CommunityRole,
    Household,
    Invite,
    Membership,
    Place,
    PlaceKind,
    Priority,
    Task,
    Team,
    TeamRole,
    Template,
    WatchColour,
)


@dataclass(frozen=True)
class DemoSummary:
    """What the demo holds, counted from the database."""

    community_id: int
    name: str
    slug: str
    zones: int
    grids: int
    buildings: int
    gates: int
    depots: int
    drop_points: int
    households: int
    elderly_alone: int
    quarantined: int
    teams: int
    captains: int
    volunteers: int
    coordinators: int
    invites: int
    templates: int
    tasks: int
    urgent_tasks: int

    def counts(self) -> list[tuple[str, int]]:
        """Labelled sizes (labels are message ids)."""
        return [
            (N_("zones"), self.zones),
            (N_("grids"), self.grids),
            (N_("buildings"), self.buildings),
            (N_("gates"), self.gates),
            (N_("supply depots"), self.depots),
            (N_("parcel drop points"), self.drop_points),
            (N_("households"), self.households),
            (N_("elderly living alone"), self.elderly_alone),
            (N_("households in home quarantine"), self.quarantined),
            (N_("teams"), self.teams),
            (N_("captains"), self.captains),
            (N_("volunteers"), self.volunteers),
            (N_("coordinators"), self.coordinators),
            (N_("invites"), self.invites),
            (N_("recurring work templates"), self.templates),
            (N_("tasks"), self.tasks),
            (N_("urgent tasks"), self.urgent_tasks),
        ]


def summarise(session: Session, community: Community) -> DemoSummary:
    """Count what ``community`` holds."""

    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    cid = community.id
    places = {kind: count(Place, Place.community_id == cid, Place.kind == kind) for kind in PlaceKind}
    in_team = Membership.team_id.in_(select(Team.id).where(Team.community_id == cid))
    return DemoSummary(
        community_id=cid,
        name=community.name,
        slug=community.slug,
        zones=count(Area, Area.community_id == cid, Area.kind == AreaKind.ZONE),
        grids=count(Area, Area.community_id == cid, Area.kind == AreaKind.GRID),
        buildings=places[PlaceKind.BUILDING],
        gates=places[PlaceKind.GATE],
        depots=places[PlaceKind.DEPOT],
        drop_points=places[PlaceKind.DROP_POINT],
        households=count(Household, Household.community_id == cid),
        elderly_alone=count(Household, Household.community_id == cid, Household.lives_alone.is_(True)),
        quarantined=count(
            Household,
            Household.community_id == cid,
            Household.watch_colour.in_([WatchColour.BLUE, WatchColour.YELLOW]),
        ),
        teams=count(Team, Team.community_id == cid),
        captains=count(Membership, in_team, Membership.role == TeamRole.CAPTAIN),
        volunteers=count(Membership, in_team, Membership.role == TeamRole.VOLUNTEER),
        coordinators=count(CommunityRole, CommunityRole.community_id == cid),
        invites=count(Invite, Invite.community_id == cid),
        templates=count(Template, Template.community_id == cid),
        tasks=count(Task, Task.community_id == cid),
        urgent_tasks=count(Task, Task.community_id == cid, Task.priority == Priority.URGENT),
    )
