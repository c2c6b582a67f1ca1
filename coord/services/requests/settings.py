"""A community's group-buy settings: the cut-off, runs per building or grid, when a request is overdue."""

from __future__ import annotations

from datetime import time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import Area, Household, RequestSettings, RunScope, Team
from coord.services.people.access import Actor, require_coordinator

DEFAULTS = RequestSettings(cutoff=time(20, 0), scope=RunScope.BUILDING, overdue_hours=36, run_due_hour=12)


def request_settings(session: Session, community_id: int) -> RequestSettings:
    """The community's settings, or the defaults (not stored) when it has none."""
    found = session.get(RequestSettings, community_id)
    if found is not None:
        return found
    return RequestSettings(
        community_id=community_id,
        cutoff=DEFAULTS.cutoff,
        scope=DEFAULTS.scope,
        overdue_hours=DEFAULTS.overdue_hours,
        run_due_hour=DEFAULTS.run_due_hour,
    )


def set_request_settings(
    *,
    session: Session,
    actor: Actor,
    community_id: int,
    cutoff: time | None = None,
    scope: RunScope | None = None,
    overdue_hours: int | None = None,
    team: Team | None = None,
) -> RequestSettings:
    """A coordinator sets the cut-off, the scope of a run, when a request is overdue, and the team."""
    require_coordinator(session, actor, community_id)
    settings = session.get(RequestSettings, community_id)
    if settings is None:
        settings = request_settings(session, community_id)
        session.add(settings)
    if cutoff is not None:
        settings.cutoff = cutoff
    if scope is not None:
        settings.scope = scope
    if overdue_hours is not None:
        if not 1 <= overdue_hours <= 24 * 14:
            raise InvalidInput(N_("Overdue after 1 to 336 hours."))
        settings.overdue_hours = overdue_hours
    if team is not None:
        if team.community_id != community_id:
            raise InvalidInput(N_("Everything a task names must belong to the same community."))
        settings.team_id = team.id
    session.flush()
    return settings


def request_team(session: Session, household: Household) -> Team | None:
    """Who takes a household's purchases and runs: the community's chosen team, else the team of its
    building's grid or zone, else none (coordinators hear of it)."""
    settings = request_settings(session, household.community_id)
    if settings.team_id is not None:
        return session.get(Team, settings.team_id)
    area_id = household.building.area_id
    if area_id is None:
        return None
    parent = session.scalar(select(Area.parent_id).where(Area.id == area_id))
    return session.scalar(
        select(Team)
        .where(
            Team.community_id == household.community_id, or_(Team.area_id == area_id, Team.area_id == parent)
        )
        .order_by(Team.area_id == parent, Team.id)
        .limit(1)
    )
