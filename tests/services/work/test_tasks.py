"""Creating and listing tasks: validation, permissions, order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotAllowed
from coord.models import Priority, Task, TaskStatus
from coord.services.people.access import Actor, can_see_private
from coord.services.people.communities import create_community
from coord.services.work import claims
from coord.services.work.tasks import TaskFilter, create_task, list_tasks
from tests.factories import NOW, SYSTEM, World, gate_shift, shift_times


def make(session: Session, world: World, **overrides: Any) -> Task:
    """A gate shift as its team's captain makes it, with ``overrides``."""
    return gate_shift(session, world, **{"actor": world.actor(world.gate_captain), **overrides})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "picnic"}, "Unknown kind of work “picnic”"),
        ({"title": "  "}, "needs a title"),
        ({"capacity": 0}, "between 1 and 500 people"),
        ({"ends_at": None}, "both a start and an end"),
        ({"ends_at": shift_times()[0] - timedelta(minutes=1)}, "end after it starts"),
        ({"starts_at": None, "ends_at": None, "due_at": NOW + timedelta(hours=1)}, "is shift work"),
        ({"starts_at": NOW - timedelta(hours=5), "ends_at": NOW - timedelta(hours=1)}, "already passed"),
    ],
)
def test_bad_tasks_are_refused_with_a_reason(
    session: Session, world: World, overrides: dict, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        make(session, world, **overrides)


def test_only_leads_create_work_for_their_team(session: Session, world: World) -> None:
    with pytest.raises(NotAllowed, match="captain or a coordinator"):
        make(session, world, actor=world.actor(world.volunteers[0]))
    with pytest.raises(NotAllowed):
        make(session, world, actor=world.actor(world.supply_captain))  # not their team
    assert make(session, world, actor=world.actor(world.coordinator)).status == TaskStatus.OPEN


def test_nothing_crosses_communities(session: Session, world: World) -> None:
    other = create_community(session=session, actor=SYSTEM, name="Hubuxiang")
    with pytest.raises(NotAllowed):  # a captain of one community leads nothing in another
        make(session, world, community=other, team=None, place=None)
    with pytest.raises(InvalidInput, match="same community"):
        make(session, world, actor=SYSTEM, community=other)


def test_list_puts_urgent_and_own_team_first(session: Session, world: World) -> None:
    later = make(
        session,
        world,
        title="Later gate",
        starts_at=NOW + timedelta(hours=5),
        ends_at=NOW + timedelta(hours=9),
    )
    sooner = make(session, world, title="Sooner gate")
    supply = create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="delivery",
        title="Rice",
        team=world.supply_team,
        due_at=NOW + timedelta(hours=1),
        now=NOW,
    )
    urgent = create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="purchase",
        title="Insulin",
        priority=Priority.URGENT,
        due_at=NOW + timedelta(hours=6),
        now=NOW,
    )
    ordered = list_tasks(session, world.community.id, first_team_id=world.gate_team.id)
    assert [t.id for t in ordered] == [urgent.id, sooner.id, later.id, supply.id]
    by_kind = list_tasks(session, world.community.id, TaskFilter(kind="delivery"))
    assert [t.id for t in by_kind] == [supply.id]
    # a full task is not claimable
    claims.claim(session=session, actor=world.actor(world.supply_volunteers[0]), task_id=supply.id, now=NOW)
    claimable = list_tasks(session, world.community.id, TaskFilter(claimable=True))
    assert supply.id not in {t.id for t in claimable}


def test_private_details_readers(session: Session, world: World) -> None:
    task = create_task(
        session=session,
        actor=world.actor(world.supply_captain),
        community=world.community,
        kind="delivery",
        title="Medicine",
        team=world.supply_team,
        household=world.households[0],
        due_at=NOW + timedelta(hours=2),
        now=NOW,
    )
    holder, other = world.supply_volunteers
    assert not can_see_private(session, world.actor(holder), task)
    claims.claim(session=session, actor=world.actor(holder), task_id=task.id, now=NOW)
    assert can_see_private(session, world.actor(holder), task)
    assert not can_see_private(session, world.actor(other), task)
    assert not can_see_private(session, world.actor(world.gate_captain), task)  # another team's captain
    assert can_see_private(session, world.actor(world.supply_captain), task)
    assert can_see_private(session, world.actor(world.coordinator), task)
    assert can_see_private(session, Actor.system(), task)
