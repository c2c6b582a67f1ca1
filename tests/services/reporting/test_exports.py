"""Exports (hours per person, team and kind; the watch list and households) and the upward report, read back
with csv and openpyxl; formula-looking text stays text."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotAllowed
from coord.models import Event, PrivateRead, WatchColour
from coord.services.records import PastPart, record_past_work
from coord.services.reporting.exports import export_file, hours_rows, households_rows
from coord.services.reporting.upward import upward_report, upward_rows, upward_text
from coord.services.watch.colours import set_colour
from tests.factories import NOW, SYSTEM, World

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 2, 20)
EVIL = '=HYPERLINK("http://example.com/x","click")'


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)


@pytest.fixture
def records(session: Session, world: World) -> World:
    """A gate shift of two (4 h each) and a disinfection (3 h) on 20 February; a delivery the day after."""
    world.volunteers[0].name = EVIL  # a name typed to run as a formula when the export is opened
    a, b = world.volunteers[:2]
    captain = world.actor(world.gate_captain)

    def past(kind: str, team: object, parts: list[PastPart]) -> None:
        record_past_work(
            session=session,
            actor=SYSTEM,
            community=world.community,
            kind=kind,
            title=kind,
            team=team,  # type: ignore[arg-type]
            parts=parts,
            now=NOW,
        )

    past(
        "gate_shift",
        world.gate_team,
        [
            PastPart(p, done_at=at(DAY, 12), checked_in_at=at(DAY, 8), figures=f)
            for p, f in ((a, {"people_checked": 100, "health_codes": 90}), (b, {"people_checked": 50}))
        ],
    )
    past(
        "disinfection", world.gate_team, [PastPart(a, done_at=at(DAY, 16), hours=3, figures={"buildings": 4})]
    )
    helper = world.supply_volunteers[0]
    past(
        "delivery",
        world.supply_team,
        [PastPart(helper, done_at=at(date(2026, 2, 21), 10), hours=2, figures={"households": 6, "items": 9})],
    )
    assert captain
    return world


def test_hours_per_person_as_csv(session: Session, records: World) -> None:
    world = records
    rows = hours_rows(
        session,
        actor=world.actor(world.coordinator),
        community=world.community,
        first=DAY,
        last=DAY,
        language="en",
    )
    text = export_file("hours", rows, "csv")
    read = list(csv.reader(io.StringIO(text)))  # type: ignore[arg-type]
    assert read[1] == ["person", "team", "people's completions", "hours served"]
    people = {r[0]: r[1:] for r in read[2:-1]}
    assert people["Volunteer 2"] == ["Gate duty", "1", "4.0"]
    assert people["'" + EVIL] == ["Gate duty", "2", "7.0"]  # the formula is text
    assert read[-1] == ["total", "", "3", "11.0"]
    assert "Helper 1" not in people  # the 21st is outside the period


def test_hours_per_team_and_kind_as_xlsx(session: Session, records: World) -> None:
    world = records
    coordinator = world.actor(world.coordinator)
    tables: list[tuple[str, list[list[object]], list[object]]] = [
        ("team", [["Gate duty", 2, 3, 11], ["Supplies", 1, 1, 2]], ["total", 3, 4, 13]),
        (
            "kind",
            [["disinfection", 1, 1, 3], ["doorstep delivery", 1, 1, 2], ["gate duty", 1, 2, 8]],
            ["total", 3, 4, 13],
        ),
    ]
    for by, expected, total in tables:
        rows = hours_rows(
            session,
            actor=coordinator,
            community=world.community,
            first=DAY,
            last=date(2026, 2, 21),
            by=by,
            language="en",
        )
        sheet = load_workbook(io.BytesIO(export_file("hours", rows, "xlsx"))).active  # type: ignore[arg-type]
        assert sheet is not None
        values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
        assert values[:-1] == expected
        assert values[-1] == total


def test_hours_in_chinese_and_who_may_export_them(session: Session, records: World) -> None:
    world = records
    rows = hours_rows(
        session,
        actor=world.actor(world.gate_captain),
        community=world.community,
        first=DAY,
        last=DAY,
        team=world.gate_team,
        language="zh",
    )
    assert rows[1] == ["人员", "队伍", "完成人次", "服务时长"]
    with pytest.raises(NotAllowed):  # a captain exports only their own team's
        hours_rows(
            session, actor=world.actor(world.gate_captain), community=world.community, first=DAY, last=DAY
        )
    with pytest.raises(InvalidInput, match="ends before it begins"):
        hours_rows(session, actor=SYSTEM, community=world.community, first=DAY, last=date(2026, 2, 1))


def test_the_watch_list_export_is_for_coordinators_and_recorded(session: Session, world: World) -> None:
    household = world.households[0]
    household.contact_name = "=1+2"
    set_colour(
        session=session,
        actor=world.actor(world.coordinator),
        household=household,
        colour=WatchColour.YELLOW,
        reason="@returned from Wuhan",
        now=NOW,
    )
    with pytest.raises(NotAllowed):
        households_rows(
            session,
            actor=world.actor(world.gate_captain),
            community=world.community,
            watched_only=True,
            now=NOW,
        )
    rows = households_rows(
        session,
        actor=world.actor(world.coordinator),
        community=world.community,
        watched_only=True,
        now=NOW,
        language="en",
    )
    sheet = load_workbook(io.BytesIO(export_file("watch", rows, "xlsx"))).active  # type: ignore[arg-type]
    assert sheet is not None
    assert [c.value for c in sheet[2]][:5] == [
        household.address,
        "=1+2",
        household.phone,
        "yellow",
        "@returned from Wuhan",
    ]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    read = session.scalars(select(Event).where(Event.action == "exported")).one()
    assert read.actor_id == world.coordinator.id
    assert (read.data["export"], read.data["rows"]) == ("watch_list", len(rows) - 1)
    reads = session.scalars(select(PrivateRead).where(PrivateRead.what == "export")).all()
    assert household.id in {r.household_id for r in reads} and len(reads) == len(rows) - 1
    assert {(r.reader_id, r.channel) for r in reads} == {(world.coordinator.id, "export")}


def test_the_upward_report_gives_the_day_and_since_the_start(session: Session, records: World) -> None:
    world = records
    coordinator = world.actor(world.coordinator)
    first = upward_report(session, actor=coordinator, community=world.community, day=DAY, now=NOW)
    second = upward_report(
        session, actor=coordinator, community=world.community, day=date(2026, 2, 21), now=NOW
    )
    figures = {line.key: (line.today, line.total) for line in second.lines}
    assert {line.key: line.today for line in first.lines} | {} == {
        "tasks": 2,
        "completions": 3,
        "buildings_disinfected": 4,
        "household_disinfections": 0,
        "parcels": 0,
        "heavy_items": 0,
        "health_codes": 90,
        "people_checked": 150,
        "returnees": 0,
        "calls": 0,
    }
    assert figures["parcels"] == (9, 9) and figures["health_codes"] == (0, 90) and figures["tasks"] == (1, 3)
    assert "• 查验健康码：今日 0，累计 90" in upward_text(second, "zh")
    assert "health-code checks: 0 today, 90 since the start" in upward_text(second, "en")
    rows = upward_rows(second, "en")
    assert rows[0] == ["figure", "2026-02-21", "since the start"]
    with pytest.raises(NotAllowed):
        upward_report(
            session, actor=world.actor(world.gate_captain), community=world.community, day=DAY, now=NOW
        )
