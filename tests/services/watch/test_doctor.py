"""A blue household's doctor follow-up (DOMAIN.md: "a doctor and a named person follow up"), on SQLite and
PostgreSQL: each day's call of a blue household goes to its named person, and its doctor or medic gets the
call privately (the household's details and its quarantine day), once; without a doctor named for the
household, its grid's temperature-check medic (一长三员) gets it; a yellow or green household has none."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.models import Household, Notification, Task, WatchColour
from coord.services import watch
from coord.services.people.geography import set_grid_roles
from coord.services.watch.schedule import DOCTOR_FOLLOW_UP
from tests.factories import NOW, SYSTEM, World


def doctor_notes(session: Session) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification).where(Notification.msgid == DOCTOR_FOLLOW_UP).order_by(Notification.id)
        )
    )


def turn(session: Session, world: World, household: Household, colour: WatchColour) -> Task:
    """Set ``household``'s colour (its call is made at once) and return the day's call."""
    watch.set_colour(
        session=session,
        actor=world.actor(world.supply_captain),
        household=household,
        colour=colour,
        reason="verified",
        now=NOW,
    )
    return session.scalars(
        select(Task).where(Task.household_id == household.id, Task.kind == "checkin_call")
    ).one()


def test_the_named_doctor_gets_a_blue_households_call_privately_once(session: Session, world: World) -> None:
    # Given a household with a named person and a named medic
    household = world.households[0]
    lead, medic = world.supply_volunteers
    watch.set_responsible(
        session=session,
        actor=world.actor(world.supply_captain),
        household=household,
        lead=lead,
        medic=medic,
        now=NOW,
    )
    # When it turns blue, and the day's duty runs again
    call = turn(session, world, household, WatchColour.BLUE)
    watch.follow_up(session, household, now=NOW)
    # Then the named person holds the call, and the medic is told of it privately, once
    [note] = doctor_notes(session)
    assert note.person_id == medic.id and note.private and note.task_id == call.id
    assert "13800000001" in note.params["details"] and "301" in note.params["details"]
    assert note.params["day"] == 1 and note.params["lead"] == lead.name


def test_without_a_named_doctor_the_grids_medic_follows_up(session: Session, world: World) -> None:
    # Given the grid of Building 1 names its temperature-check medic, and a household there names nobody
    grid = world.buildings[0].area
    assert grid is not None
    set_grid_roles(session=session, actor=SYSTEM, area=grid, roles={"medic": world.volunteers[3]}, now=NOW)
    household = world.households[0]
    watch.set_responsible(
        session=session,
        actor=world.actor(world.supply_captain),
        household=household,
        lead=world.supply_volunteers[0],
        now=NOW,
    )
    # When it turns blue, the grid's medic gets the doctor's follow-up
    turn(session, world, household, WatchColour.BLUE)
    assert [n.person_id for n in doctor_notes(session)] == [world.volunteers[3].id]


def test_no_doctor_no_follow_up_and_none_for_other_colours(session: Session, world: World) -> None:
    household = world.households[0]
    watch.set_responsible(
        session=session,
        actor=world.actor(world.supply_captain),
        household=household,
        lead=world.supply_volunteers[0],
        medic=world.supply_volunteers[1],
        now=NOW,
    )
    # A yellow household's call tells no doctor
    turn(session, world, household, WatchColour.YELLOW)
    assert doctor_notes(session) == []
    # A blue one with no doctor named, in a grid with no medic, tells nobody
    other = world.households[1]
    watch.set_responsible(
        session=session,
        actor=world.actor(world.supply_captain),
        household=other,
        lead=world.supply_volunteers[0],
        now=NOW,
    )
    watch.follow_up(session, other, now=NOW)
    assert other.watch_colour == WatchColour.BLUE
    assert session.scalars(select(Task).where(Task.household_id == other.id)).all(), "its call is made"
    assert doctor_notes(session) == []
