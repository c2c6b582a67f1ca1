"""The Today page's read side: the matrix of buildings × rounds, the gates, what fell through."""

from __future__ import annotations

from datetime import timedelta

from coord.models import Person
from coord.services.board import today_page, viewer_of
from coord.services.people.access import Actor
from coord.services.work import check_in, claim
from tests.factories import NOW
from tests.web.conftest import Scene


def test_the_matrix_colours_each_round_by_its_state(scene: Scene) -> None:
    # Given today's disinfection rounds at three buildings (08:00 passed, 16:00 and 20:00 ahead)
    with scene.factory() as session:
        coordinator = session.get_one(Person, scene.world.coordinator.id)
        day = today_page(session, viewer=viewer_of(session, coordinator), now=scene.clock.now())
    # Then one grid holds the three buildings, and the columns are the rounds of today
    [grid] = day.grids
    assert [row.name for row in grid.rows] == ["Building 1", "Building 2", "Building 3"]
    assert [r.at for r in grid.rounds] == ["08:00", "16:00", "20:00"]
    states = {r.at: grid.rows[0].cells[r.key].state for r in grid.rounds}
    assert states == {"08:00": "overdue", "16:00": "unfilled", "20:00": "unfilled"}
    # and the gate's next shift shows its two free places; the unfilled list holds the shift
    [gate] = day.gates
    assert gate.next_task_id == scene.gate_task and gate.next_gap == 2
    assert scene.gate_task in [w.task_id for w in day.unfilled]


def test_done_work_colours_the_cell_and_sets_the_time_since_covered(scene: Scene) -> None:
    # Given a helper who takes the 16:00 round, checks in at 16:05 and is done at 16:35
    from coord.services.work import complete

    start = scene.clock.now() + timedelta(hours=2)
    task_id = next(t for t in scene.rounds if scene.task(t).starts_at == start)
    with scene.factory() as session, session.begin():
        actor = Actor(session.get_one(Person, scene.world.supply_volunteers[0].id), "test")
        claim(session=session, actor=actor, task_id=task_id, now=scene.clock.now())
        check_in(session=session, actor=actor, task_id=task_id, now=start + timedelta(minutes=5))
        complete(
            session=session,
            actor=actor,
            task_id=task_id,
            figures={"buildings": 1, "floors": 7},
            now=start + timedelta(minutes=35),
        )
    # When the board is looked at 90 minutes later
    later = start + timedelta(minutes=125)
    with scene.factory() as session:
        coordinator = session.get_one(Person, scene.world.coordinator.id)
        day = today_page(session, viewer=viewer_of(session, coordinator), now=later)
    # Then the cell is done and the building was last covered when the round was done
    row = next(r for g in day.grids for r in g.rows if task_id in [c.task_id for c in r.cells.values()])
    cell = next(c for c in row.cells.values() if c.task_id == task_id)
    assert cell.state == "done"
    assert row.last_covered == start + timedelta(minutes=35)


def test_a_captain_sees_only_their_teams_work(scene: Scene) -> None:
    with scene.factory() as session:
        captain = session.get_one(Person, scene.world.gate_captain.id)
        day = today_page(session, viewer=viewer_of(session, captain), now=scene.clock.now())
    # the disinfection is the supply team's: the gate captain's matrix is empty, the gate shift theirs
    assert day.grids == []
    assert [w.task_id for w in day.unfilled] == [scene.gate_task]
    assert day.escalations == []


def test_the_time_since_covered_is_coloured_by_how_long() -> None:
    from coord.web.texts import Texts

    texts = Texts("zh", "Asia/Shanghai", NOW)
    assert texts.staleness(NOW - timedelta(hours=2)) == "fresh"
    assert texts.staleness(NOW - timedelta(hours=9)) == "ageing"
    assert texts.staleness(NOW - timedelta(hours=30)) == "stale"
    assert texts.staleness(None) == "stale"
    assert texts.ago(NOW - timedelta(minutes=200)) == "3 小时 20 分钟前"
    assert texts.ago(None) == "从未"


def test_the_plan_shows_each_building_by_its_most_urgent_round_grouped_by_zone(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    page = client.get("/today").text
    plan = page[page.index('class="plan"') : page.index('class="legend"')]
    # the test community: Zone 1 › Grid 1-1 › Buildings 1-3, each with an overdue 08:00 round
    assert "Zone 1" in plan and "Grid 1-1" in plan
    assert plan.count('class="tile cell overdue"') == 3
    wall = client.get("/wall").text
    assert wall.count('class="tile cell overdue"') == 3
