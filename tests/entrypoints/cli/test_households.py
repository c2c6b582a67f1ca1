"""``coord household``: the four-colour watch list from the command line, against the seeded demo database
(a SQLite file, and a PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coord.db import make_engine
from coord.models import Community, Event, Household, Person, Task, TaskStatus, WatchColour
from tests.conftest import FreshDatabase
from tests.entrypoints.cli.test_cli import coord, ok, one_line_error


@pytest.fixture(scope="module")
def demo(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fresh = FreshDatabase(database_kind, tmp_path_factory.mktemp("households"))
    address = fresh.url()
    ok(address, "init")
    ok(address, "seed", "--demo")
    yield address
    fresh.close()


@pytest.fixture
def db(demo: str) -> Iterator[Engine]:
    engine = make_engine(demo)
    yield engine
    engine.dispose()


def a_household(db: Engine, colour: WatchColour | None) -> Household:
    with Session(db, expire_on_commit=False) as session:
        found = session.scalars(
            select(Household)
            .where(Household.watch_colour == colour if colour else Household.watch_colour.is_(None))
            .order_by(Household.id)
            .limit(1)
        ).one()
        found.building  # noqa: B018 — loaded for the address
        return found


def live_calls(db: Engine, household_id: int) -> list[tuple[int, TaskStatus]]:
    with Session(db) as session:
        return [
            (task_id, status)
            for task_id, status in session.execute(
                select(Task.id, Task.status)
                .where(Task.household_id == household_id, Task.kind == "checkin_call")
                .order_by(Task.id)
            )
        ]


def test_list_and_show_give_the_quarantine_day_the_last_call_and_who_is_responsible(
    demo: str, db: Engine
) -> None:
    blue = a_household(db, WatchColour.BLUE)
    listing = ok(demo, "household", "list", "--colour", "blue")
    assert blue.address in listing and "day " in listing and "of 14" in listing
    with Session(db) as session:
        lead = session.get_one(Person, blue.watch_lead_id)
        medic = session.get_one(Person, blue.watch_medic_id)
    assert lead.name in listing and medic.name in listing
    shown = ok(demo, "household", "show", blue.address)
    assert blue.phone in shown and "blue" in shown and "外地返回" in shown and "of 14" in shown
    assert "电话询问" in shown  # today's call, open work of the household
    # Green ones are on the full list too, and searching finds a household by phone
    assert "green" in ok(demo, "household", "list")
    found = ok(demo, "household", "search", blue.phone)
    assert blue.address in found and "blue" in found


def test_colour_replaces_the_follow_up_and_is_recorded(demo: str, db: Engine) -> None:
    household = a_household(db, None)
    assert live_calls(db, household.id) == []
    # When the operator marks it yellow, with a reason, and names who follows it up
    with Session(db) as session:
        helper = session.scalar(select(Person.name).order_by(Person.id.desc()).limit(1))
    assert helper
    ok(demo, "household", "responsible", household.address, "--lead", helper)
    shown = ok(demo, "household", "colour", household.address, "黄", "--reason", "武汉返回，电话追踪")
    assert "yellow" in shown and "武汉返回" in shown and helper in shown
    [(call, status)] = live_calls(db, household.id)
    assert status == TaskStatus.FULL  # given to the named person at once
    # When it turns blue the same day, the waiting yellow call is cancelled and one blue call stands
    ok(demo, "household", "colour", household.address, "blue", "--reason", "verified", "--until", "today")
    calls = live_calls(db, household.id)
    assert (call, TaskStatus.CANCELLED) in calls
    assert len([c for c in calls if c[1] != TaskStatus.CANCELLED]) == 1
    with Session(db) as session:
        changes = session.execute(
            select(Event.channel, Event.data).where(Event.action == "watch_colour_set").order_by(Event.id)
        ).all()
        refreshed = session.get_one(Household, household.id)
    assert [(c, d["new"], d["reason"]) for c, d in changes[-2:]] == [
        ("cli", "yellow", "武汉返回，电话追踪"),
        ("cli", "blue", "verified"),
    ]
    assert refreshed.watch_colour == WatchColour.BLUE and refreshed.quarantine_until is not None


def test_bad_input_changes_nothing(demo: str, db: Engine) -> None:
    household = a_household(db, WatchColour.YELLOW)
    with Session(db) as session:
        before = session.scalar(select(func.count()).select_from(Event))
    assert "Unknown colour" in one_line_error(
        coord(demo, "household", "colour", household.address, "purple", "--reason", "x")
    )
    assert "why" in one_line_error(
        coord(demo, "household", "colour", household.address, "red", "--reason", " ")
    )
    assert "no household" in one_line_error(coord(demo, "household", "show", "99栋-9-999")).lower()
    assert "Missing option" in coord(demo, "household", "colour", household.address, "red").stderr
    assert "Name the responsible" in one_line_error(
        coord(demo, "household", "responsible", household.address)
    )
    with Session(db) as session:
        assert session.scalar(select(func.count()).select_from(Event)) == before
        assert session.get_one(Household, household.id).watch_colour == WatchColour.YELLOW


def test_the_green_call_back_interval_is_a_community_setting(demo: str, db: Engine) -> None:
    assert "Updated community" in ok(demo, "community", "set", "--green-call-days", "5")
    assert "5" in ok(demo, "community", "show")
    with Session(db) as session:
        assert session.scalars(select(Community.green_call_days)).one() == 5
    assert "Error" in one_line_error(coord(demo, "community", "set", "--green-call-days", "0"))
