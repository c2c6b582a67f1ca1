"""Every read of private details is recorded through one function, and coordinators list them (issue 19)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import NotAllowed
from coord.models import PrivateRead, WatchColour
from coord.services.people.roster import person_card
from coord.services.privacy import DIRECT_MESSAGE, reads_by_person, reads_of_household
from coord.services.watch import household_view, search_households, watch_list
from coord.services.work import claims
from tests.factories import NOW, World, delivery


def reads(session: Session) -> list[tuple[str, str, int | None, int | None, int | None, int | None]]:
    rows = session.scalars(select(PrivateRead).order_by(PrivateRead.id)).all()
    return [(r.what, r.channel, r.reader_id, r.household_id, r.task_id, r.person_id) for r in rows]


def test_watch_list_reads_are_recorded_one_row_per_household(session: Session, world: World) -> None:
    # Given a coordinator reading in the terminal chat
    me = world.actor(world.coordinator, "chat")
    blue = world.households[1]
    # When they see one household, the blue list, and search by phone
    household_view(session, actor=me, household=blue, now=NOW)
    watch_list(session, actor=me, community=world.community, colour=WatchColour.BLUE, now=NOW)
    search_households(session, actor=me, community=world.community, text="138000", now=NOW)
    # Then each household shown is one recorded read: who, which channel, which household
    coordinator = world.coordinator.id
    assert reads(session) == [
        ("household", "chat", coordinator, blue.id, None, None),
        ("watch_list", "chat", coordinator, blue.id, None, None),
        ("search", "chat", coordinator, world.households[0].id, None, None),
        ("search", "chat", coordinator, blue.id, None, None),
    ]


def test_a_holders_direct_message_and_a_phone_shown_are_reads(session: Session, world: World) -> None:
    # Given a delivery to the first household
    task = delivery(session, world)
    holder = world.supply_volunteers[0]
    # When a volunteer claims it (a worker then sends them the details), and a captain reads their phone
    claims.claim(session=session, actor=world.actor(holder, "telegram"), task_id=task.id, now=NOW)
    holder.phone = "13900000009"
    person_card(
        session=session, actor=world.actor(world.supply_captain, "matrix"), person=holder, private=True
    )
    # Then both are recorded: the direct message as read by its addressee, the phone by the captain
    assert reads(session) == [
        ("task", DIRECT_MESSAGE, holder.id, world.households[0].id, task.id, None),
        ("phone", "matrix", world.supply_captain.id, None, None, holder.id),
    ]


def test_coordinators_list_reads_per_household_and_per_person(session: Session, world: World) -> None:
    me = world.actor(world.coordinator, "cli")
    blue = world.households[1]
    household_view(session, actor=me, household=blue, now=NOW)
    household_view(
        session, actor=world.actor(world.gate_captain, "web"), household=blue, now=NOW + timedelta(1)
    )
    # A household's reads, newest first, naming the reader and the channel
    lines = reads_of_household(session, actor=me, household=blue)
    assert [(line.reader, line.channel, line.what) for line in lines] == [
        (world.gate_captain.name, "web", "household"),
        (world.coordinator.name, "cli", "household"),
    ]
    assert all(line.household == blue.address for line in lines)
    # A person's reads
    mine = reads_by_person(session, actor=me, person=world.gate_captain)
    assert [(line.household, line.at) for line in mine] == [(blue.address, NOW + timedelta(1))]
    # Only coordinators may list them
    with pytest.raises(NotAllowed):
        reads_of_household(session, actor=world.actor(world.gate_captain), household=blue)
    with pytest.raises(NotAllowed):
        reads_by_person(session, actor=world.actor(world.volunteers[0]), person=world.coordinator)
