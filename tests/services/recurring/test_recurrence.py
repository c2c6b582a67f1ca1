"""Recurring-work templates materialised into tasks, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from coord.db import make_session_factory, write_queue
from coord.errors import InvalidInput, NotAllowed, NotFound, TaskFull
from coord.models import (
    AreaKind,
    Community,
    Event,
    Notification,
    Place,
    PlaceKind,
    Task,
    Template,
    WatchColour,
)
from coord.services.people.communities import add_area, add_household, add_place, create_community
from coord.services.people.people import add_person, make_coordinator
from coord.services.recurring import materialisation
from coord.services.recurring.materialisation import materialise, materialise_all
from coord.services.recurring.templates import create_template, deactivate_template
from coord.services.work import claims
from coord.services.work.tasks import create_task
from tests.conftest import FreshDatabase
from tests.factories import NOW, SYSTEM, World, build_world

FOUR_SHIFTS = "FREQ=DAILY;BYHOUR=0,6,12,18;BYMINUTE=0"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def tasks_of(session: Session, template: Template) -> list[Task]:
    query = select(Task).where(Task.template_id == template.id).order_by(Task.starts_at, Task.due_at, Task.id)
    return list(session.scalars(query))


def zone_two(session: Session, world: World) -> tuple[Any, list[Place]]:
    """Zone 2: two buildings in its grid, one straight in the zone, and a gate."""
    zone = add_area(
        session=session, actor=SYSTEM, community=world.community, name="Zone 2", kind=AreaKind.ZONE
    )
    grid = add_area(
        session=session,
        actor=SYSTEM,
        community=world.community,
        name="Grid 2-1",
        kind=AreaKind.GRID,
        parent=zone,
    )

    def place(name: str, kind: PlaceKind, area: Any) -> Place:
        return add_place(
            session=session, actor=SYSTEM, community=world.community, name=name, kind=kind, area=area
        )

    buildings = [
        place("Building 21", PlaceKind.BUILDING, grid),
        place("Building 22", PlaceKind.BUILDING, grid),
        place("Building 23", PlaceKind.BUILDING, zone),
    ]
    place("South Gate", PlaceKind.GATE, zone)
    return zone, buildings


def north_gate_template(session: Session, world: World, **changes: Any) -> Template:
    values: dict[str, Any] = {
        "session": session,
        "actor": world.actor(world.gate_captain),
        "community": world.community,
        "name": "North gate roster",
        "kind": "gate_shift",
        "title": "North gate {date} {time}",
        "rrule": FOUR_SHIFTS,
        "starts_on": date(2026, 3, 1),
        "team": world.gate_team,
        "place": world.north_gate,
        "duration_minutes": 360,
        "capacity": 2,
        "now": NOW,  # a roster wholly in the past is refused: the tests' clock is NOW
    }
    return create_template(**(values | changes))


def test_disinfect_every_building_in_zone_two_three_times_a_day(session: Session, world: World) -> None:
    # Given zone 2 with three buildings (two of them in its grid) and a gate
    zone, buildings = zone_two(session, world)
    # When a coordinator makes "disinfect every building in zone 2 at 08:00, 14:00, 20:00"
    template = create_template(
        session=session,
        actor=world.actor(world.coordinator),
        community=world.community,
        name="Stairwells and lifts",
        kind="disinfection",
        title="Disinfect {place} at {time} on {date}",
        rrule="FREQ=DAILY;BYHOUR=8,14,20;BYMINUTE=0",
        starts_on=date(2026, 3, 2),
        team=world.gate_team,
        area=zone,
        place_kind="building",
        duration_minutes=45,
    )
    # and materialises one day from 14:00 Shanghai time (06:00 UTC)
    created = materialise(session=session, template=template, now=NOW, days=1)
    # Then 14:00 and 20:00 today and 08:00 tomorrow exist for each building of zone 2, and nothing else
    tasks = tasks_of(session, template)
    assert created == len(tasks) == 9
    starts = [utc(2026, 3, 2, 6), utc(2026, 3, 2, 12), utc(2026, 3, 3, 0)]
    assert {(t.place_id, t.starts_at) for t in tasks} == {(b.id, s) for b in buildings for s in starts}
    assert all(t.ends_at == t.starts_at + timedelta(minutes=45) for t in tasks if t.starts_at)
    assert {t.title for t in tasks if t.place_id == buildings[2].id} == {
        "Disinfect Building 23 at 14:00 on 2026-03-02",
        "Disinfect Building 23 at 20:00 on 2026-03-02",
        "Disinfect Building 23 at 08:00 on 2026-03-03",
    }
    assert {t.kind for t in tasks} == {"disinfection"} and {t.team_id for t in tasks} == {world.gate_team.id}
    assert template.materialised_until == NOW + timedelta(days=1)
    # and each task has a task_created event by the system, naming the template
    events = session.scalars(select(Event).where(Event.task_id.in_([t.id for t in tasks]))).all()
    assert len(events) == 9
    assert {(e.action, e.actor_id, e.channel, e.data["template_id"]) for e in events} == {
        ("task_created", None, "recurrence", template.id)
    }


def test_north_gate_four_shifts_a_day_two_people_each(session: Session, world: World) -> None:
    # Given the gate captain's roster: four six-hour shifts a day, two people each
    template = north_gate_template(session, world)
    # When two days are materialised from 14:00 local (the 12:00 shift has already begun)
    assert materialise(session=session, template=template, now=NOW, days=2) == 8
    # Then the shifts follow each other without a gap, from 18:00 today
    tasks = tasks_of(session, template)
    assert tasks[0].starts_at == utc(2026, 3, 2, 10)  # 18:00 in Shanghai
    assert all(a.ends_at == b.starts_at for a, b in itertools.pairwise(tasks))
    assert tasks[-1].starts_at == utc(2026, 3, 4, 4)  # 12:00 the day after tomorrow
    assert {(t.capacity, t.place_id, t.team_id) for t in tasks} == {
        (2, world.north_gate.id, world.gate_team.id)
    }
    assert tasks[0].title == "North gate 2026-03-02 18:00"
    # and each takes exactly two volunteers
    for volunteer in world.volunteers[:2]:
        claims.claim(session=session, actor=world.actor(volunteer), task_id=tasks[0].id, now=NOW)
    with pytest.raises(TaskFull):
        claims.claim(session=session, actor=world.actor(world.volunteers[2]), task_id=tasks[0].id, now=NOW)


def test_call_each_blue_household_daily_until_its_quarantine_ends(session: Session, world: World) -> None:
    # Given two blue households (quarantine to 10 and 4 March) and a yellow one
    blue_long = world.households[1]  # Building 2, room 502, until 10 March
    blue_short = add_household(
        session=session,
        actor=SYSTEM,
        building=world.buildings[2],
        unit="1",
        room="101",
        watch_colour=WatchColour.BLUE,
        quarantine_until=date(2026, 3, 4),
        contact_name="Zhao Wei",
        phone="13800000003",
    )
    add_household(
        session=session,
        actor=SYSTEM,
        building=world.buildings[0],
        room="202",
        watch_colour=WatchColour.YELLOW,
    )
    # When the supplies captain has every blue household called at 09:00, done within three hours
    template = create_template(
        session=session,
        actor=world.actor(world.supply_captain),
        community=world.community,
        name="Quarantine calls",
        kind="checkin_call",
        title="Daily check-in call — {place}",
        rrule="FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
        starts_on=date(2026, 3, 1),
        team=world.supply_team,
        household_colour=WatchColour.BLUE,
        due_minutes=180,
    )
    assert materialise(session=session, template=template, now=NOW, days=14) == 10
    # Then each is called from tomorrow to the last day of its quarantine, and not after
    tasks = tasks_of(session, template)
    long_calls = [t for t in tasks if t.household_id == blue_long.id]
    short_calls = [t for t in tasks if t.household_id == blue_short.id]
    assert [t.due_at for t in long_calls] == [utc(2026, 3, d, 4) for d in range(3, 11)]  # 12:00 local
    assert [t.due_at for t in short_calls] == [utc(2026, 3, 3, 4), utc(2026, 3, 4, 4)]
    # and the public card names only the building
    assert {t.title for t in long_calls} == {"Daily check-in call — Building 2"}
    for task in tasks:
        public = f"{task.title} {task.public_details} {task.private_details}"
        assert not any(secret in public for secret in ("502", "101", "Li Ming", "Zhao Wei", "138000"))
        assert task.place_id == (world.buildings[1] if task in long_calls else world.buildings[2]).id
    # and whoever claims a call gets the address and phone by direct message
    helper = world.supply_volunteers[0]
    claims.claim(session=session, actor=world.actor(helper), task_id=long_calls[0].id, now=NOW)
    message = session.scalar(
        select(Notification).where(
            Notification.task_id == long_calls[0].id, Notification.person_id == helper.id
        )
    )
    assert message is not None and message.private
    assert "Building 2-1-502" in message.params["details"] and "13800000002" in message.params["details"]


def test_materialising_again_creates_nothing_twice(session: Session, world: World) -> None:
    # Given a roster materialised for two days
    template = north_gate_template(session, world)
    assert materialise(session=session, template=template, now=NOW, days=2) == 8
    # When it runs again at once, then a day later
    again = materialise(session=session, template=template, now=NOW, days=2)
    later = materialise(session=session, template=template, now=NOW + timedelta(days=1), days=2)
    # Then the first rerun creates nothing and the next day adds only the four new shifts
    assert (again, later) == (0, 4)
    tasks = tasks_of(session, template)
    assert len(tasks) == len({t.occurrence_key for t in tasks}) == 12
    assert template.materialised_until == NOW + timedelta(days=3)
    created_events = session.scalar(
        select(func.count()).select_from(Event).where(Event.task_id.in_([t.id for t in tasks]))
    )
    assert created_events == 12


def test_a_call_creates_at_most_the_cap_and_the_next_call_carries_on(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a cap of three tasks per call
    monkeypatch.setattr(materialisation, "MAX_TASKS_PER_CALL", 3)
    template = north_gate_template(session, world)
    # When the roster is materialised for two days (eight shifts)
    first = materialise(session=session, template=template, now=NOW, days=2)
    # Then three are made, and the template knows it got as far as the fourth shift's start
    assert first == 3 and template.materialised_until == utc(2026, 3, 3, 4)
    # and the following calls make the rest
    assert [materialise(session=session, template=template, now=NOW, days=2) for _ in range(3)] == [3, 2, 0]
    assert template.materialised_until == NOW + timedelta(days=2)
    assert materialise_all(session=session, now=NOW, days=3) == 3  # the cap holds for all templates too


def test_a_template_ending_stops_its_tasks(session: Session, world: World) -> None:
    template = north_gate_template(session, world, until=date(2026, 3, 3))
    # The last day is included, the day after it is not
    assert materialise(session=session, template=template, now=NOW, days=7) == 5
    assert tasks_of(session, template)[-1].starts_at == utc(2026, 3, 3, 10)  # 18:00 on 3 March


def berlin_gate(session: Session) -> tuple[Any, Place]:
    community = create_community(
        session=session, actor=SYSTEM, name="Kiez Nord", slug="kiez", timezone="Europe/Berlin"
    )
    gate = add_place(session=session, actor=SYSTEM, community=community, name="Tor", kind=PlaceKind.GATE)
    return community, gate


@pytest.mark.parametrize(
    ("rule", "starts_on", "now", "days", "expected"),
    [
        # 08:00 stays 08:00 local when Berlin moves to summer time on 29 March 2026
        (
            "FREQ=DAILY;BYHOUR=8;BYMINUTE=0",
            date(2026, 3, 27),
            utc(2026, 3, 26, 12),
            5,
            [
                utc(2026, 3, 27, 7),
                utc(2026, 3, 28, 7),
                utc(2026, 3, 29, 6),
                utc(2026, 3, 30, 6),
                utc(2026, 3, 31, 6),
            ],
        ),
        # 02:30 does not exist on 29 March: the shift starts when the clock shows 03:30
        (
            "FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
            date(2026, 3, 28),
            utc(2026, 3, 27, 12),
            3,
            [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)],
        ),
        # 02:00 and 03:00 on 29 March are the same instant: one shift, not two
        (
            "FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=0",
            date(2026, 3, 29),
            utc(2026, 3, 28, 12),
            1,
            [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1)],
        ),
        # 02:30 happens twice on 25 October: one shift, at the first
        (
            "FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
            date(2026, 10, 24),
            utc(2026, 10, 23, 12),
            3,
            [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        ),
    ],
)
def test_daylight_saving_time(
    session: Session, rule: str, starts_on: date, now: datetime, days: int, expected: list[datetime]
) -> None:
    # Given a gate in Berlin with a daily shift
    community, gate = berlin_gate(session)
    template = create_template(
        session=session,
        actor=SYSTEM,
        community=community,
        name="Tor",
        kind="gate_shift",
        title="Gate {date} {time}",
        rrule=rule,
        starts_on=starts_on,
        place=gate,
        duration_minutes=60,
    )
    # When it is materialised across the change of clocks
    materialise(session=session, template=template, now=now, days=days)
    # Then the shifts start at the expected instants
    assert [t.starts_at for t in tasks_of(session, template)] == expected


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "not valid"),
        ("every day at eight", "NAME=VALUE"),
        ("BYHOUR=8", "FREQ is missing"),
        ("FREQ=SOMETIMES", "not valid"),
        ("FREQ=DAILY;BYHOUR=25", "hour must be in 0..23"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number"),
        ("FREQ=DAILY;COUNT=-3", "COUNT must be a whole number"),
        ("FREQ=DAILY;BYMONTHDAY=0", "BYMONTHDAY must be between 1 and 31"),
        ("FREQ=DAILY;BYMONTH=13", "BYMONTH must be between 1 and 12"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never happens"),
        ("FREQ=DAILY;UNTIL=20260101T000000Z", "never happens"),
        ("FREQ=DAILY;UNTIL=tomorrow", "not valid"),
        ("FREQ=MINUTELY;INTERVAL=5", "at most hourly"),
        ("FREQ=DAILY\nRDATE:20260303T080000", "one line"),
    ],
)
def test_a_bad_rule_is_refused_clearly(session: Session, world: World, rule: str, message: str) -> None:
    templates = session.scalar(select(func.count()).select_from(Template))
    with pytest.raises(InvalidInput, match=message) as refused:
        north_gate_template(session, world, rrule=rule)
    assert "FREQ=" in str(refused.value) or "happens" in str(refused.value)  # shows what to write
    assert session.scalar(select(func.count()).select_from(Template)) == templates


def test_an_until_in_utc_and_an_rrule_prefix_are_understood(session: Session, world: World) -> None:
    # 20260303T100000Z is 18:00 in Shanghai: the 18:00 shift of 3 March is the last
    template = north_gate_template(session, world, rrule="RRULE:" + FOUR_SHIFTS + ";UNTIL=20260303T100000Z")
    assert materialise(session=session, template=template, now=NOW, days=7) == 5
    assert template.rrule == FOUR_SHIFTS + ";UNTIL=20260303T100000Z"  # stored without the prefix


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_minutes": None}, "shift work"),
        ({"due_minutes": 30}, "not both"),
        ({"duration_minutes": 0}, "between 1 and"),
        ({"kind": "juggling"}, "Unknown kind"),
        ({"title": "Gate {who}"}, "cannot be used in a title"),
        ({"title": "Gate {date:%d}"}, "cannot be used in a title"),
        ({"title": "Gate {"}, "no other braces"),
        ({"place": None, "title": "Patrol {place}"}, "no place or households"),
        ({"place_kind": "castle", "place": None}, "Unknown kind of place"),
        ({"household_colour": WatchColour.BLUE}, "one kind of target"),
        ({"capacity": 0}, "between 1 and"),
        ({"until": date(2026, 2, 1)}, "last day"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_template_fields_are_refused(
    session: Session, world: World, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        north_gate_template(session, world, **changes)


def test_only_the_teams_captain_or_a_coordinator_manages_templates(session: Session, world: World) -> None:
    # A volunteer, another team's captain, and a captain without a team are refused
    for person, team in [
        (world.volunteers[0], world.gate_team),
        (world.supply_captain, world.gate_team),
        (world.gate_captain, None),
    ]:
        with pytest.raises(NotAllowed):
            north_gate_template(session, world, actor=world.actor(person), team=team)
    # The captain of the team and a coordinator (with or without a team) may
    template = north_gate_template(session, world)
    north_gate_template(session, world, actor=world.actor(world.coordinator), team=None)
    # Deactivating follows the same rule, and someone from another community does not see the template
    with pytest.raises(NotAllowed):
        deactivate_template(session=session, actor=world.actor(world.volunteers[0]), template_id=template.id)
    other_community, _ = berlin_gate(session)
    outsider = add_person(session=session, actor=SYSTEM, community=other_community, name="Outsider")
    make_coordinator(session=session, actor=SYSTEM, person=outsider)
    with pytest.raises(NotFound):
        deactivate_template(session=session, actor=world.actor(outsider), template_id=template.id)
    with pytest.raises(NotFound):
        deactivate_template(session=session, actor=world.actor(world.gate_captain), template_id=10**9)
    assert template.active


def test_a_deactivated_template_makes_no_more_tasks(session: Session, world: World) -> None:
    # Given a roster with two days of shifts
    template = north_gate_template(session, world)
    materialise(session=session, template=template, now=NOW, days=2)
    # When its captain deactivates it (twice: the second time changes nothing)
    deactivate_template(session=session, actor=world.actor(world.gate_captain), template_id=template.id)
    deactivate_template(session=session, actor=world.actor(world.gate_captain), template_id=template.id)
    # Then no new tasks come, and the ones made stay
    assert materialise(session=session, template=template, now=NOW + timedelta(days=1), days=7) == 0
    assert materialise_all(session=session, now=NOW + timedelta(days=1), days=7) == 0
    assert len(tasks_of(session, template)) == 8
    actions = session.scalars(select(Event.action).where(Event.action.like("template_%")))
    assert sorted(actions) == ["template_created", "template_deactivated"]


def test_materialise_all_covers_every_active_template_or_one_community(
    session: Session, world: World
) -> None:
    # Given a roster here and a gate shift in Berlin
    north_gate_template(session, world)
    community, gate = berlin_gate(session)
    create_template(
        session=session,
        actor=SYSTEM,
        community=community,
        name="Tor",
        kind="gate_shift",
        title="Tor {time}",
        rrule="FREQ=DAILY;BYHOUR=8;BYMINUTE=0",
        starts_on=date(2026, 3, 1),
        place=gate,
        duration_minutes=60,
    )
    # When Berlin alone is materialised, then everything
    only_berlin = materialise_all(session=session, now=NOW, days=2, community_id=community.id)
    everything = materialise_all(session=session, now=NOW, days=2)
    # Then Berlin gets its two mornings first, and the rest come with the second call
    assert (only_berlin, everything) == (2, 8)
    with pytest.raises(InvalidInput, match="days ahead"):
        materialise_all(session=session, now=NOW, days=0)


# Real commits and threads: each test gets its own empty database.


def _roster(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as session, session.begin():
        world = build_world(session)
        template = north_gate_template(session, world)
        return template.id, world.north_gate.id


def _materialise_in_thread(factory: sessionmaker[Session], template_id: int, results: list[int]) -> None:
    with factory() as session, session.begin():
        template = session.get(Template, template_id)
        assert template is not None
        results.append(materialise(session=session, template=template, now=NOW, days=2))


# pg_locks, not pg_stat_activity: the activity view is read once per transaction, and this one stays open
WAITING_FOR_ME = (
    "SELECT count(*) FROM (SELECT DISTINCT pid FROM pg_locks WHERE NOT granted) AS waiting"
    " WHERE pg_backend_pid() = ANY(pg_blocking_pids(waiting.pid))"
)


def until_someone_waits_for(session: Session, timeout: float = 30.0) -> bool:
    """Wait until another transaction waits for this session's (PostgreSQL: for one of its locks;
    SQLite: in the file's write queue); False if none did within ``timeout``."""
    bind = session.get_bind()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bind.dialect.name == "postgresql":
            blocked = session.scalar(text(WAITING_FOR_ME))
        else:
            blocked = len(write_queue(str(bind.url.database))._waiters)
        if blocked:
            return True
        time.sleep(0.01)
    return False


def _count_tasks(factory: sessionmaker[Session], template_id: int) -> tuple[int, int]:
    with factory() as session:
        keys = session.scalars(select(Task.occurrence_key).where(Task.template_id == template_id)).all()
        return len(keys), len(set(keys))


def test_two_workers_materialising_at_once_make_each_task_once(fresh_db: FreshDatabase) -> None:
    # Given a committed roster
    factory = make_session_factory(fresh_db.engine())
    template_id, _ = _roster(factory)
    # When two workers materialise it at the same moment
    results: list[int] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        _materialise_in_thread(factory, template_id, results)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then between them they made the eight shifts once
    assert sorted(results) == [0, 8]
    assert _count_tasks(factory, template_id) == (8, 8)


def test_a_task_inserted_by_a_concurrent_transaction_is_not_duplicated(fresh_db: FreshDatabase) -> None:
    # Given a roster, and another transaction that has just inserted its first shift but not committed
    factory = make_session_factory(fresh_db.engine())
    template_id, gate_id = _roster(factory)
    inserted, results, waited = threading.Event(), [], []

    def other_writer() -> None:
        with factory() as session, session.begin():
            world_gate = session.get(Place, gate_id)
            community = session.get(Community, world_gate.community_id) if world_gate else None
            assert world_gate is not None and community is not None
            task = create_task(
                session=session,
                actor=SYSTEM,
                community=community,
                kind="gate_shift",
                title="North gate 2026-03-02 18:00",
                place=world_gate,
                starts_at=utc(2026, 3, 2, 10),
                ends_at=utc(2026, 3, 2, 16),
                now=NOW,
            )
            task.template_id, task.occurrence_key = template_id, f"2026-03-02T18:00/p{gate_id}"
            session.flush()
            inserted.set()
            # Commit only once the materialiser has run into the uncommitted row and waits for it
            waited.append(until_someone_waits_for(session))

    writer = threading.Thread(target=other_writer)
    writer.start()
    assert inserted.wait(30)
    # When a worker materialises while that transaction is open
    _materialise_in_thread(factory, template_id, results)
    writer.join(timeout=60)
    # Then it waited, skipped that shift and made the seven others
    assert waited == [True], "the materialiser never waited for the other transaction"
    assert results == [7]
    assert _count_tasks(factory, template_id) == (8, 8)
