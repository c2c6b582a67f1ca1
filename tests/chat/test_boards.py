"""The read-only views behind the chat: open and own tasks, team board, day figures, teams."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from coord.errors import NotAllowed
from coord.models import AssignmentState, Priority, Task
from coord.services.work import boards, claims
from coord.services.work.tasks import cancel_task, create_task
from tests.factories import NOW, SYSTEM, World, shift_times


def task(session: Session, world: World, title: str, **values: object) -> Task:
    values.setdefault("kind", "delivery")
    values.setdefault("team", world.supply_team)
    if values["kind"] == "gate_shift" and "starts_at" not in values:
        values["starts_at"], values["ends_at"] = shift_times()
    return create_task(
        session=session, actor=SYSTEM, community=world.community, title=title, now=NOW, **values
    )  # type: ignore[arg-type]


def titles(tasks: list[Task]) -> list[str]:
    return [t.title for t in tasks]


def test_open_tasks_are_free_and_not_over_urgent_and_own_team_first(session: Session, world: World) -> None:
    later = task(session, world, "later", due_at=NOW + timedelta(hours=5))
    soon = task(session, world, "soon", due_at=NOW + timedelta(hours=1))
    task(session, world, "urgent", due_at=NOW + timedelta(hours=9), priority=Priority.URGENT)
    gate = task(session, world, "gate", kind="gate_shift", team=world.gate_team, place=world.north_gate)
    full = task(session, world, "full", due_at=NOW + timedelta(hours=2))
    claims.claim(session=session, actor=world.actor(world.supply_volunteers[0]), task_id=full.id, now=NOW)
    gone = task(session, world, "cancelled", due_at=NOW + timedelta(hours=2))
    cancel_task(session=session, actor=SYSTEM, task_id=gone.id, now=NOW)
    task(session, world, "no deadline")

    found = boards.open_tasks(
        session, community_id=world.community.id, now=NOW, first_team_id=world.gate_team.id
    )
    assert titles(found) == ["urgent", "gate", "soon", "later", "no deadline"]
    # a deadline passed: the work is over and no longer offered
    after = boards.open_tasks(
        session, community_id=world.community.id, now=NOW + timedelta(hours=1, minutes=1)
    )
    assert "soon" not in titles(after) and "later" in titles(after)
    # filters: kind, zone (the gate is in Zone 1), a horizon, pages
    assert titles(
        boards.open_tasks(session, community_id=world.community.id, now=NOW, kind="gate_shift")
    ) == ["gate"]
    zone = world.north_gate.area_id
    assert titles(boards.open_tasks(session, community_id=world.community.id, now=NOW, area_id=zone)) == [
        "gate"
    ]
    until = NOW + timedelta(hours=4)
    assert titles(boards.open_tasks(session, community_id=world.community.id, now=NOW, until=until)) == [
        "soon",
        "gate",
    ]
    pages = [
        boards.open_tasks(session, community_id=world.community.id, now=NOW, limit=2, offset=o)
        for o in (0, 2, 4)
    ]
    assert [titles(p) for p in pages] == [["urgent", "soon"], ["gate", "later"], ["no deadline"]]
    assert later.id and soon.id and gate.id


def test_a_zone_includes_the_places_of_its_grids(session: Session, world: World) -> None:
    household_task = task(
        session, world, "to building 1", household=world.households[0], due_at=NOW + timedelta(hours=2)
    )
    zone_id = world.north_gate.area_id  # Zone 1; Building 1 sits in Grid 1-1 inside it
    assert household_task.place is not None and household_task.place.area.parent_id == zone_id
    assert titles(boards.open_tasks(session, community_id=world.community.id, now=NOW, area_id=zone_id)) == [
        "to building 1"
    ]


def test_my_tasks_are_the_unfinished_ones_soonest_first(session: Session, world: World) -> None:
    me = world.supply_volunteers[0]
    first = task(session, world, "first", due_at=NOW + timedelta(hours=1))
    second = task(session, world, "second", due_at=NOW + timedelta(hours=2))
    finished = task(session, world, "finished", due_at=NOW + timedelta(hours=3))
    for t in (second, first, finished):
        claims.claim(session=session, actor=world.actor(me), task_id=t.id, now=NOW)
    claims.complete(
        session=session, actor=world.actor(me), task_id=finished.id, figures={"households": 1}, now=NOW
    )
    assert [(t.title, a.state) for a, t in boards.my_tasks(session, me)] == [
        ("first", AssignmentState.CLAIMED),
        ("second", AssignmentState.CLAIMED),
    ]


def test_team_board_shows_holders_unfilled_overdue_and_no_shows(session: Session, world: World) -> None:
    captain = world.actor(world.gate_captain)
    gate = task(session, world, "gate", kind="gate_shift", team=world.gate_team, capacity=2)
    late = task(session, world, "late", team=world.gate_team, due_at=NOW + timedelta(minutes=30))
    one, two = world.volunteers[:2]
    claims.claim(session=session, actor=world.actor(one), task_id=gate.id, now=NOW)
    claims.claim(session=session, actor=world.actor(two), task_id=gate.id, now=NOW)
    after_start = gate.starts_at + timedelta(minutes=15)  # type: ignore[operator]
    claims.check_in(session=session, actor=world.actor(one), task_id=gate.id, now=after_start)
    claims.mark_no_show(session=session, actor=captain, task_id=gate.id, person=two, now=after_start)

    board = boards.team_board(session, actor=captain, team=world.gate_team, now=after_start)
    assert titles(board.tasks) == ["late", "gate"]
    assert [(p.name, s) for p, s in board.holders[gate.id]] == [("Volunteer 1", AssignmentState.CHECKED_IN)]
    assert titles(board.unfilled(after_start)) == ["gate"]
    assert titles(board.overdue(after_start)) == ["late"]
    assert [(t.title, p.name) for t, p in board.no_shows] == [("gate", "Volunteer 2")]
    assert late.id
    with pytest.raises(NotAllowed):
        boards.team_board(session, actor=world.actor(one), team=world.gate_team, now=NOW)
    with pytest.raises(NotAllowed):
        boards.team_board(session, actor=world.actor(world.supply_captain), team=world.gate_team, now=NOW)


def test_todays_figures_sum_what_was_done_today(session: Session, world: World) -> None:
    helpers = world.supply_volunteers
    done_today = [task(session, world, f"delivery {i}", due_at=NOW + timedelta(hours=3)) for i in range(3)]
    for helper, t, figures in zip(
        (helpers[0], helpers[1], helpers[0]),
        done_today,
        ({"households": 2, "items": 10}, {"households": 1}, {"households": 4, "items": 1}),
        strict=True,
    ):
        claims.claim(session=session, actor=world.actor(helper), task_id=t.id, now=NOW)
        claims.complete(session=session, actor=world.actor(helper), task_id=t.id, figures=figures, now=NOW)
    # one finished yesterday (local time) does not count
    old = task(session, world, "yesterday", due_at=NOW + timedelta(hours=3))
    yesterday = NOW - timedelta(hours=15)  # 23:00 the day before, in Asia/Shanghai
    claims.claim(session=session, actor=world.actor(helpers[1]), task_id=old.id, now=yesterday)
    claims.complete(
        session=session,
        actor=world.actor(helpers[1]),
        task_id=old.id,
        figures={"households": 50},
        now=yesterday,
    )

    figures = boards.todays_figures(
        session, actor=world.actor(world.coordinator), community=world.community, now=NOW
    )
    assert figures.per_kind == {"delivery": {"households": 7, "items": 11}}
    assert (figures.tasks_done, figures.people) == (3, 2)
    assert str(figures.day) == "2026-03-02"
    with pytest.raises(NotAllowed):
        boards.todays_figures(
            session, actor=world.actor(world.gate_captain), community=world.community, now=NOW
        )


def test_teams_overview(session: Session, world: World) -> None:
    # (The escalations still needing action: tests/chat/test_escalations.py.)
    coordinator = world.actor(world.coordinator)
    quiet = task(session, world, "quiet", due_at=NOW + timedelta(hours=2))
    escalating = task(session, world, "escalating", kind="gate_shift", team=world.gate_team, capacity=3)
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=escalating.id, now=NOW)
    claims.check_in(
        session=session,
        actor=world.actor(world.volunteers[0]),
        task_id=escalating.id,
        now=escalating.starts_at,
    )

    lines = {
        line.team.name: line
        for line in boards.teams_overview(session, actor=coordinator, community=world.community, now=NOW)
    }
    gate, supply = lines["Gate duty"], lines["Supplies"]
    assert (gate.members, gate.captains, gate.live_tasks, gate.open_slots, gate.checked_in) == (
        5,
        ["Captain Chen"],
        1,
        2,
        1,
    )
    assert (supply.members, supply.captains, supply.live_tasks, supply.open_slots, supply.checked_in) == (
        3,
        ["Captain Liu"],
        1,
        1,
        0,
    )
    assert quiet.id
    with pytest.raises(NotAllowed):
        boards.teams_overview(
            session, actor=world.actor(world.gate_captain), community=world.community, now=NOW
        )


def test_reassign_choices_are_the_team_without_the_holders(session: Session, world: World) -> None:
    gate = task(session, world, "gate", kind="gate_shift", team=world.gate_team)
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=gate.id, now=NOW)
    holders, candidates = boards.reassign_choices(session, actor=world.actor(world.gate_captain), task=gate)
    assert [p.name for p in holders] == ["Volunteer 1"]
    assert [p.name for p in candidates] == ["Captain Chen", "Volunteer 2", "Volunteer 3", "Volunteer 4"]
    with pytest.raises(NotAllowed):
        boards.reassign_choices(session, actor=world.actor(world.volunteers[1]), task=gate)
