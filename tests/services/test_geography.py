"""Places and areas edited and removed by coordinators only; one still referred to is kept (issue 15 §7)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotAllowed
from coord.models import Area, AreaKind, Event, Place, PlaceKind
from coord.services.people import geography
from coord.services.people.communities import add_area, add_place
from tests.factories import SYSTEM, World


def test_a_place_nothing_refers_to_is_edited_and_removed_with_events(session: Session, world: World) -> None:
    coordinator = world.actor(world.coordinator)
    depot = add_place(
        session=session, actor=SYSTEM, community=world.community, name="Depot", kind=PlaceKind.DEPOT
    )
    assert depot in geography.list_places(session, actor=coordinator, community=world.community)
    fields = geography.edit_place(
        session=session, actor=coordinator, place=depot, name="East Depot", floors=2
    )
    assert fields == ["floors", "name"] and depot.name == "East Depot"
    assert geography.edit_place(session=session, actor=coordinator, place=depot, name="East Depot") == []
    geography.remove_place(session=session, actor=coordinator, place=depot)
    assert session.get(Place, depot.id) is None
    actions = session.scalars(select(Event.action).where(Event.action.in_(["place_edited", "place_removed"])))
    assert sorted(actions) == ["place_edited", "place_removed"]


def test_what_is_still_used_is_kept_and_bad_input_changes_nothing(session: Session, world: World) -> None:
    coordinator = world.actor(world.coordinator)
    building = world.households[0].building
    name = building.name
    with pytest.raises(InvalidInput, match="still used by"):
        geography.remove_place(session=session, actor=coordinator, place=building)
    with pytest.raises(InvalidInput, match="stays a building"):
        geography.edit_place(session=session, actor=coordinator, place=building, kind=PlaceKind.GATE)
    with pytest.raises(InvalidInput, match="exists already"):
        geography.edit_place(session=session, actor=coordinator, place=building, name=world.north_gate.name)
    with pytest.raises(InvalidInput, match="cannot be empty"):
        geography.edit_place(session=session, actor=coordinator, place=building, name="  ")
    zone = world.north_gate.area
    assert zone is not None
    with pytest.raises(InvalidInput, match="still has"):
        geography.remove_area(session=session, actor=coordinator, area=zone)
    assert building.name == name and building.kind == PlaceKind.BUILDING and session.get(Area, zone.id)


def test_only_a_coordinator_changes_places_and_areas(session: Session, world: World) -> None:
    captain = world.actor(world.gate_captain)
    zone = add_area(
        session=session, actor=SYSTEM, community=world.community, name="Spare", kind=AreaKind.ZONE
    )
    with pytest.raises(NotAllowed):
        geography.remove_area(session=session, actor=captain, area=zone)
    with pytest.raises(NotAllowed):
        geography.edit_place(session=session, actor=captain, place=world.north_gate, name="Gate X")
    with pytest.raises(NotAllowed):
        geography.list_areas(session, actor=captain, community=world.community)
    grid = add_area(
        session=session,
        actor=SYSTEM,
        community=world.community,
        name="Grid 9",
        kind=AreaKind.GRID,
        parent=zone,
    )
    coordinator = world.actor(world.coordinator)
    with pytest.raises(InvalidInput, match="inside a zone"):
        geography.edit_area(session=session, actor=coordinator, area=grid, parent=grid)
    geography.remove_area(session=session, actor=coordinator, area=grid)
    geography.remove_area(session=session, actor=coordinator, area=zone)
    assert session.get(Area, zone.id) is None
