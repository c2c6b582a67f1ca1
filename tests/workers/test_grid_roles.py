"""一长三员 (issue 15 §7): a grid's leader, registrar, medic and buyer hear the escalations of work at the
grid's places as well as the captain; only a coordinator names them, and only for a grid."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotAllowed
from coord.services.escalation.alerts import MESSAGES, send_rung_messages
from coord.services.escalation.ladder import Anchor, Audience, Condition, Rung
from coord.services.people import geography
from tests.factories import NOW, World, delivery, gate_shift
from tests.workers.helpers import messages

OVERDUE_LEAD = MESSAGES[(Condition.NOT_DONE, "lead")]
TO_CAPTAIN = Rung(Anchor.END, 0, Condition.NOT_DONE, to=(Audience.CAPTAIN,))
TO_ASSIGNEE = Rung(Anchor.END, 0, Condition.NOT_DONE, to=(Audience.ASSIGNEE,))


def p(person: object) -> str:
    return f"p{person.id}"  # type: ignore[attr-defined]


def test_the_grids_leader_and_roles_hear_what_its_captain_hears(session: Session, world: World) -> None:
    grid = world.households[0].building.area
    assert grid is not None
    leader, medic = world.volunteers[2], world.supply_volunteers[1]
    changed = geography.set_grid_roles(
        session=session,
        actor=world.actor(world.coordinator),
        area=grid,
        roles={"leader": leader, "registrar": leader, "medic": medic},
    )
    assert changed == ["leader", "registrar", "medic"]
    work = delivery(session, world)  # at Building 1, in the grid
    send_rung_messages(session, work, index=0, rung=TO_CAPTAIN, subjects=[], now=NOW)
    told = messages(session, work)
    assert sorted(told) == sorted([(p(world.supply_captain), OVERDUE_LEAD), (p(leader), OVERDUE_LEAD),
                                   (p(medic), OVERDUE_LEAD)])  # fmt: skip
    # a rung for the holder only is not theirs; nor is work at a place outside the grid
    quiet = delivery(session, world)
    send_rung_messages(session, quiet, index=0, rung=TO_ASSIGNEE, subjects=[], now=NOW)
    assert p(leader) not in [who for who, _ in messages(session, quiet)]
    gate = gate_shift(session, world)  # North Gate, in the zone
    send_rung_messages(session, gate, index=0, rung=TO_CAPTAIN, subjects=[], now=NOW)
    assert [who for who, _ in messages(session, gate)] == [p(world.gate_captain)]


def test_grid_roles_are_a_coordinators_and_a_grids_only(session: Session, world: World) -> None:
    grid = world.households[0].building.area
    zone = world.north_gate.area
    assert grid is not None and zone is not None
    coordinator = world.actor(world.coordinator)
    with pytest.raises(NotAllowed):
        geography.set_grid_roles(
            session=session,
            actor=world.actor(world.gate_captain),
            area=grid,
            roles={"leader": world.volunteers[0]},
        )
    with pytest.raises(InvalidInput, match="is a zone"):
        geography.set_grid_roles(
            session=session, actor=coordinator, area=zone, roles={"leader": world.volunteers[0]}
        )
    with pytest.raises(InvalidInput, match="not “chief”"):
        geography.set_grid_roles(
            session=session, actor=coordinator, area=grid, roles={"chief": world.volunteers[0]}
        )
    assert grid.leader_id is None
    geography.set_grid_roles(
        session=session, actor=coordinator, area=grid, roles={"buyer": world.volunteers[0]}
    )
    assert grid.grid_people == [world.volunteers[0].id]
    assert geography.set_grid_roles(session=session, actor=coordinator, area=grid, roles={"buyer": None}) == [
        "buyer"
    ]
    assert grid.grid_people == []
