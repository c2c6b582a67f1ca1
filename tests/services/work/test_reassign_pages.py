"""The reassign choices page through the whole team (issue 15 §7)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from coord.services.work import boards
from tests.factories import World, gate_shift


def test_reassign_choices_page_through_the_team_by_name(session: Session, world: World) -> None:
    gate = gate_shift(session, world)
    captain = world.actor(world.gate_captain)
    _, everyone = boards.reassign_choices(session, actor=captain, task=gate, limit=100)
    _, first = boards.reassign_choices(session, actor=captain, task=gate, limit=2)
    _, second = boards.reassign_choices(session, actor=captain, task=gate, limit=2, offset=2)
    _, last = boards.reassign_choices(session, actor=captain, task=gate, limit=2, offset=4)
    _, beyond = boards.reassign_choices(session, actor=captain, task=gate, limit=2, offset=50)
    assert [p.name for p in everyone] == [
        "Captain Chen",
        "Volunteer 1",
        "Volunteer 2",
        "Volunteer 3",
        "Volunteer 4",
    ]
    assert [*first, *second, *last] == everyone
    assert [p.name for p in last] == ["Volunteer 4"]
    assert beyond == []
