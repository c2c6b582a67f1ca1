"""Building test communities through the real services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from coord.models import (
    AreaKind,
    Community,
    Household,
    Person,
    Place,
    PlaceKind,
    Priority,
    Task,
    Team,
    TeamRole,
    WatchColour,
)
from coord.services.people.access import Actor
from coord.services.people.communities import add_area, add_household, add_place, create_community
from coord.services.people.people import add_member, add_person, create_team, make_coordinator
from coord.services.work.tasks import create_task

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 14:00 in Asia/Shanghai
SYSTEM = Actor.system("test")


@dataclass
class World:
    community: Community
    coordinator: Person
    gate_team: Team
    supply_team: Team
    gate_captain: Person
    supply_captain: Person
    volunteers: list[Person]
    supply_volunteers: list[Person]
    buildings: list[Place]
    north_gate: Place
    households: list[Household] = field(default_factory=list)

    def actor(self, person: Person, channel: str = "test") -> Actor:
        return Actor(person, channel)


def build_world(session: Session, *, volunteers: int = 4) -> World:
    community = create_community(
        session=session,
        actor=SYSTEM,
        name="Youkeyuan Community",
        slug="ykc",
        service_standard="Wear a mask. Knock, leave the goods at the door, step back.",
    )
    zone = add_area(session=session, actor=SYSTEM, community=community, name="Zone 1", kind=AreaKind.ZONE)
    grid = add_area(
        session=session, actor=SYSTEM, community=community, name="Grid 1-1", kind=AreaKind.GRID, parent=zone
    )
    buildings = [
        add_place(
            session=session,
            actor=SYSTEM,
            community=community,
            name=f"Building {n}",
            kind=PlaceKind.BUILDING,
            area=grid,
            floors=7,
            units=3,
        )
        for n in (1, 2, 3)
    ]
    gate = add_place(
        session=session, actor=SYSTEM, community=community, name="North Gate", kind=PlaceKind.GATE, area=zone
    )
    households = [
        add_household(
            session=session,
            actor=SYSTEM,
            building=buildings[0],
            unit="2",
            room="301",
            elderly=True,
            lives_alone=True,
            contact_name="Wang Lan",
            phone="13800000001",
        ),
        add_household(
            session=session,
            actor=SYSTEM,
            building=buildings[1],
            unit="1",
            room="502",
            watch_colour=WatchColour.BLUE,
            quarantine_until=date(2026, 3, 10),
            contact_name="Li Ming",
            phone="13800000002",
        ),
    ]
    gate_team = create_team(session=session, actor=SYSTEM, community=community, name="Gate duty")
    supply_team = create_team(session=session, actor=SYSTEM, community=community, name="Supplies")

    def person(name: str, team: Team, role: TeamRole = TeamRole.VOLUNTEER) -> Person:
        p = add_person(session=session, actor=SYSTEM, community=community, name=name)
        add_member(session=session, actor=SYSTEM, team=team, person=p, role=role)
        return p

    coordinator = add_person(session=session, actor=SYSTEM, community=community, name="Secretary Zhou")
    make_coordinator(session=session, actor=SYSTEM, person=coordinator)
    world = World(
        community=community,
        coordinator=coordinator,
        gate_team=gate_team,
        supply_team=supply_team,
        gate_captain=person("Captain Chen", gate_team, TeamRole.CAPTAIN),
        supply_captain=person("Captain Liu", supply_team, TeamRole.CAPTAIN),
        volunteers=[person(f"Volunteer {i}", gate_team) for i in range(1, volunteers + 1)],
        supply_volunteers=[person(f"Helper {i}", supply_team) for i in range(1, 3)],
        buildings=buildings,
        north_gate=gate,
        households=households,
    )
    session.flush()
    return world


def shift_times(hours_from_now: float = 2, length_hours: float = 4) -> tuple[datetime, datetime]:
    start = NOW + timedelta(hours=hours_from_now)
    return start, start + timedelta(hours=length_hours)


def gate_shift(
    session: Session,
    world: World,
    *,
    capacity: int = 2,
    hours_from_now: float = 2,
    skills: list[str] | None = None,
    **overrides: Any,
) -> Task:
    """A four-hour shift of the gate team at the north gate, starting ``hours_from_now`` after NOW, made by
    the system at NOW; ``overrides`` replace any other argument of ``create_task`` (actor, title, ...)."""
    start, end = shift_times(hours_from_now)
    values: dict[str, Any] = {
        "session": session,
        "actor": SYSTEM,
        "community": world.community,
        "kind": "gate_shift",
        "title": "North gate",
        "team": world.gate_team,
        "place": world.north_gate,
        "starts_at": start,
        "ends_at": end,
        "capacity": capacity,
        "skills": skills,
        "now": NOW,
    }
    return create_task(**(values | overrides))


def delivery(
    session: Session,
    world: World,
    *,
    hours: float = 3,
    priority: Priority = Priority.NORMAL,
    household: int = 0,
    **overrides: Any,
) -> Task:
    """A delivery by the supply team to ``world.households[household]``, due ``hours`` after NOW, with
    private details ("Call first"), made by the system at NOW; ``overrides`` as for :func:`gate_shift`."""
    values: dict[str, Any] = {
        "session": session,
        "actor": SYSTEM,
        "community": world.community,
        "kind": "delivery",
        "title": "Rice and vegetables",
        "team": world.supply_team,
        "household": world.households[household],
        "private_details": "Call first",
        "due_at": NOW + timedelta(hours=hours),
        "priority": priority,
        "now": NOW,
    }
    return create_task(**(values | overrides))


def checkin_call(
    session: Session, world: World, *, household: int = 1, hours: float = 4, **overrides: Any
) -> Task:
    """The supply team's check-in call to ``world.households[household]`` (by default the blue one, in
    quarantine), due ``hours`` after NOW, made by the system at NOW; ``overrides`` as for gate_shift."""
    values: dict[str, Any] = {
        "session": session,
        "actor": SYSTEM,
        "community": world.community,
        "kind": "checkin_call",
        "title": "Daily call",
        "team": world.supply_team,
        "household": world.households[household],
        "due_at": NOW + timedelta(hours=hours),
        "now": NOW,
    }
    return create_task(**(values | overrides))


def chat_cast(world: World) -> dict[str, Person]:
    """The people of ``world`` by the part they play in chat dialogs."""
    return {
        "volunteer": world.volunteers[0],
        "volunteer2": world.volunteers[1],
        "helper": world.supply_volunteers[0],
        "captain": world.gate_captain,
        "supply_captain": world.supply_captain,
        "coordinator": world.coordinator,
    }


def link_chat_accounts(
    session: Session,
    world: World,
    network: str = "test",
    *,
    ids: Callable[[str], tuple[str, str | None]] | None = None,
) -> dict[str, Person]:
    """Link a chat account to each person of ``chat_cast``; returns the cast.

    ``ids(part)`` gives the account's external id and its direct chat (None when not known yet);
    by default ``u-<part>`` and ``dm-<part>``.
    """
    from coord.services.people.people import link_account

    cast = chat_cast(world)
    for part, person in cast.items():
        external_id, dm_chat_id = ids(part) if ids else (f"u-{part}", f"dm-{part}")
        link_account(
            session=session,
            actor=SYSTEM,
            person=person,
            network=network,
            external_id=external_id,
            display_name=person.name,
            dm_chat_id=dm_chat_id,
        )
    return cast
