"""A community names its party secretary (one coordinator), on SQLite and PostgreSQL: a red household's
follow-up goes to its responsible person and the secretary personally; to every coordinator only while
none is named (or the one named is no longer an active coordinator)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotAllowed
from coord.models import Assignment, AssignmentState, Event, Household, Person, Task, WatchColour
from coord.services import watch
from coord.services.people.people import add_person, make_coordinator
from coord.services.people.roster import deactivate_person
from coord.services.people.secretary import party_secretary, set_party_secretary
from tests.factories import NOW, SYSTEM, World


def red_follow_up_holders(session: Session, world: World, household: Household) -> set[int]:
    """Turn ``household`` red and return who holds the follow-up it makes."""
    watch.set_colour(
        session=session,
        actor=world.actor(world.supply_captain),
        household=household,
        colour=WatchColour.RED,
        reason="fever 38.1",
        now=NOW,
    )
    follow = session.scalars(
        select(Task).where(Task.household_id == household.id, Task.kind == "follow_up")
    ).one()
    return set(
        session.scalars(
            select(Assignment.person_id).where(
                Assignment.task_id == follow.id, Assignment.state == AssignmentState.CLAIMED
            )
        )
    )


@pytest.fixture
def deputy(session: Session, world: World) -> Person:
    """A second coordinator of the community."""
    person = add_person(session=session, actor=SYSTEM, community=world.community, name="Deputy Sun")
    make_coordinator(session=session, actor=SYSTEM, person=person)
    return person


@pytest.fixture
def household(session: Session, world: World) -> Household:
    """A household with Helper 1 responsible for it."""
    found = world.households[0]
    watch.set_responsible(
        session=session,
        actor=world.actor(world.supply_captain),
        household=found,
        lead=world.supply_volunteers[0],
        now=NOW,
    )
    return found


def test_a_red_follow_up_goes_to_the_responsible_person_and_the_named_secretary_only(
    session: Session, world: World, deputy: Person, household: Household
) -> None:
    # Given two coordinators, and one of them named party secretary by the other
    set_party_secretary(
        session=session,
        actor=world.actor(deputy),
        community=world.community,
        person=world.coordinator,
        now=NOW,
    )
    assert party_secretary(session, world.community) == world.coordinator
    # When a household turns red
    holders = red_follow_up_holders(session, world, household)
    # Then its follow-up goes to its responsible person and the secretary, not the other coordinator
    assert holders == {world.supply_volunteers[0].id, world.coordinator.id}
    named = session.scalars(select(Event).where(Event.action == "party_secretary_set")).one()
    assert named.subject_id == world.coordinator.id and named.actor_id == deputy.id


def test_without_a_secretary_the_red_follow_up_goes_to_every_coordinator(
    session: Session, world: World, deputy: Person, household: Household
) -> None:
    # Given a secretary named, then cleared
    for person in (deputy, None):
        set_party_secretary(session=session, actor=SYSTEM, community=world.community, person=person, now=NOW)
    assert party_secretary(session, world.community) is None
    # When a household turns red, every coordinator gets the follow-up with the responsible person
    holders = red_follow_up_holders(session, world, household)
    assert holders == {world.supply_volunteers[0].id, world.coordinator.id, deputy.id}


def test_a_deactivated_secretary_is_no_longer_the_one_who_is_sent_it(
    session: Session, world: World, deputy: Person, household: Household
) -> None:
    set_party_secretary(session=session, actor=SYSTEM, community=world.community, person=deputy, now=NOW)
    deactivate_person(
        session=session, actor=world.actor(world.coordinator), person=deputy, reason="moved away", now=NOW
    )
    assert party_secretary(session, world.community) is None
    holders = red_follow_up_holders(session, world, household)
    assert holders == {world.supply_volunteers[0].id, world.coordinator.id}


def test_only_a_coordinator_names_the_secretary_and_only_a_coordinator_can_be_it(
    session: Session, world: World, deputy: Person
) -> None:
    events = select(func.count()).select_from(Event).where(Event.action == "party_secretary_set")
    # A captain may not name one
    with pytest.raises(NotAllowed):
        set_party_secretary(
            session=session,
            actor=world.actor(world.gate_captain),
            community=world.community,
            person=world.gate_captain,
            now=NOW,
        )
    # A volunteer cannot be named
    with pytest.raises(InvalidInput, match="not a coordinator"):
        set_party_secretary(
            session=session,
            actor=world.actor(deputy),
            community=world.community,
            person=world.volunteers[0],
            now=NOW,
        )
    # Nothing changed
    assert world.community.party_secretary_id is None and session.scalar(events) == 0
