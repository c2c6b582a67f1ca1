"""The board's Teams and people page: rosters, who holds what now, hours served this week; and the watch
list scoped to what a viewer leads (a captain: the households their team's people are responsible for)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from coord.errors import NotFound
from coord.i18n import N_
from coord.models import (
    ACTIVE_STATES,
    Assignment,
    AssignmentState,
    Household,
    Membership,
    Person,
    Place,
    PlaceKind,
    Task,
    Team,
    TeamRole,
    WatchColour,
)
from coord.services.board.today import natural_key
from coord.services.board.viewer import Viewer
from coord.services.watch.households import HouseholdView, household_view, watch_list

#: The periods the Teams page offers for hours served, in days.
PERIODS = (1, 7, 30, 90)


@dataclass(frozen=True)
class Member:
    person_id: int
    name: str
    role: TeamRole
    active: bool
    holding: list[str]  # titles of the work they hold now
    hours: float  # served in the last seven days


@dataclass(frozen=True)
class Roster:
    team: Team
    members: list[Member]


def rosters(session: Session, *, viewer: Viewer, now: datetime, days: int = 7) -> list[Roster]:
    """Every team the viewer leads (a coordinator: all of the community's), with its members and the hours
    each served in the last ``days`` days."""
    query = select(Team).where(Team.community_id == viewer.community.id).order_by(Team.name)
    if not viewer.coordinator:
        query = query.where(Team.id.in_(sorted(viewer.team_ids)))
    teams = list(session.scalars(query))
    rows = session.execute(
        select(Membership.team_id, Person.id, Person.name, Membership.role, Person.active)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.team_id.in_([t.id for t in teams]))
        .order_by(Membership.role, Person.name)
    ).all()
    people = {person_id for _, person_id, _, _, _ in rows}
    holding, hours = _holding(session, people), _hours(session, people, now, timedelta(days=days))
    by_team: dict[int, list[Member]] = defaultdict(list)
    for team_id, person_id, name, role, active in rows:
        by_team[team_id].append(
            Member(
                person_id, name, role, active, holding.get(person_id, []), round(hours.get(person_id, 0.0), 1)
            )
        )
    return [Roster(team, by_team.get(team.id, [])) for team in teams]


def _holding(session: Session, people: set[int]) -> dict[int, list[str]]:
    held: dict[int, list[str]] = defaultdict(list)
    for person_id, title in session.execute(
        select(Assignment.person_id, Task.title)
        .join(Task, Task.id == Assignment.task_id)
        .where(Assignment.person_id.in_(sorted(people)), Assignment.state.in_(ACTIVE_STATES))
        .order_by(Task.id)
    ).tuples():
        held[person_id].append(title)
    return held


def _hours(session: Session, people: set[int], now: datetime, period: timedelta) -> dict[int, float]:
    """Hours served in ``period`` up to now: what was recorded, else the time from check-in to done."""
    total: dict[int, float] = defaultdict(float)
    for person_id, hours, start, end in session.execute(
        select(Assignment.person_id, Assignment.hours, Assignment.checked_in_at, Assignment.ended_at).where(
            Assignment.person_id.in_(sorted(people)),
            Assignment.state == AssignmentState.DONE,
            Assignment.ended_at >= now - period,
            Assignment.ended_at <= now,
        )
    ).tuples():
        if hours is not None:
            total[person_id] += hours
        elif start is not None and end is not None:
            total[person_id] += (end - start).total_seconds() / 3600
    return total


def _led_households(viewer: Viewer) -> object:
    """Households the viewer may read: all of the community's for a coordinator; for a captain, those whose
    responsible person or medic is on one of their teams."""
    if viewer.coordinator:
        return Household.community_id == viewer.community.id
    members = select(Membership.person_id).where(Membership.team_id.in_(sorted(viewer.team_ids)))
    return (Household.community_id == viewer.community.id) & or_(
        Household.watch_lead_id.in_(members), Household.watch_medic_id.in_(members)
    )


def watched(session: Session, *, viewer: Viewer, now: datetime) -> dict[WatchColour, list[HouseholdView]]:
    """The watch list by colour, each view recorded (the watch service records who read it)."""
    found: dict[WatchColour, list[HouseholdView]] = {}
    for colour in WatchColour:
        views = watch_list(session, actor=viewer.actor, community=viewer.community, colour=colour, now=now)
        if not viewer.coordinator:
            allowed = set(
                session.scalars(
                    select(Household.id).where(
                        Household.id.in_([v.household.id for v in views]),
                        _led_households(viewer),  # type: ignore[arg-type]
                    )
                )
            )
            views = [v for v in views if v.household.id in allowed]
        found[colour] = views
    return found


def household_details(session: Session, *, viewer: Viewer, household_id: int, now: datetime) -> HouseholdView:
    """One household's private details, if the viewer leads it; the read is recorded. Another team's
    household is "not found": a captain does not learn that it exists."""
    allowed = session.scalar(
        select(exists().where(Household.id == household_id, _led_households(viewer)))  # type: ignore[arg-type]
    )
    household = session.get(Household, household_id) if allowed else None
    if household is None:
        raise NotFound(N_("There is no household “{ref}”."), ref=str(household_id))
    return household_view(session, actor=viewer.actor, household=household, now=now)


def assignable(session: Session, *, viewer: Viewer) -> list[str]:
    """The names the viewer may give work to: the community's active people (a coordinator), or the
    members of their teams (a captain)."""
    query = select(Person.name).where(Person.community_id == viewer.community.id, Person.active.is_(True))
    if not viewer.coordinator:
        members = select(Membership.person_id).where(Membership.team_id.in_(sorted(viewer.team_ids)))
        query = query.where(Person.id.in_(members))
    return list(session.scalars(query.order_by(Person.name).distinct()))


def buildings(session: Session, *, viewer: Viewer) -> list[tuple[int, str]]:
    """The community's buildings (number and name), for their door posters."""
    found = session.execute(
        select(Place.id, Place.name).where(
            Place.community_id == viewer.community.id, Place.kind == PlaceKind.BUILDING
        )
    ).tuples()
    return sorted(found, key=lambda row: natural_key(row[1]))
