"""CSV imports of places, households and people: all rows or none, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import TextIO

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.errors import ImportFailed, NotAllowed
from coord.models import (
    Area,
    AreaKind,
    CommunityRole,
    Event,
    Household,
    Membership,
    Person,
    Place,
    PlaceKind,
    TeamRole,
    WatchColour,
)
from coord.services.imports.households import import_households
from coord.services.imports.job import ImportReport
from coord.services.imports.people import import_people
from coord.services.imports.places import import_places
from coord.services.people.access import Actor
from coord.services.people.communities import add_place
from coord.services.people.people import add_member, add_person, create_team
from tests.factories import SYSTEM, World

DATA = Path(__file__).parent / "data"


def open_csv(path: Path) -> TextIO:
    """Open a file the way the ``coord import`` command does."""
    return path.open(encoding="utf-8-sig", errors="strict", newline="")


def csv_text(text: str) -> io.StringIO:
    return io.StringIO(text, newline="")


def counts(session: Session) -> dict[str, int]:
    models = (Area, Place, Household, Person, Membership, CommunityRole, Event)
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) or 0 for m in models}


def actions(session: Session, since: int) -> list[str]:
    return list(session.scalars(select(Event.action).where(Event.id > since).order_by(Event.id)))


def last_event_id(session: Session) -> int:
    return session.scalar(select(func.max(Event.id))) or 0


def coordinator(world: World) -> Actor:
    return world.actor(world.coordinator, "cli")


def import_zh_places(session: Session, world: World) -> ImportReport:
    with open_csv(DATA / "places_zh.csv") as source:
        return import_places(
            session=session, actor=coordinator(world), community=world.community, source=source
        )


def make_zh_teams(session: Session, world: World) -> None:
    for name in ("门岗防控组", "生活物资采购组"):
        create_team(session=session, actor=SYSTEM, community=world.community, name=name)


# ---- good files --------------------------------------------------------------------------------------


def test_places_file_creates_zones_grids_and_places(session: Session, world: World) -> None:
    # Given the community office's places file, in Chinese
    before = last_event_id(session)
    # When a coordinator imports it
    report = import_zh_places(session, world)
    # Then every place is there, in its grid, and every grid sits in its zone
    assert report == ImportReport(rows=5, created=5, updated=0)
    areas = {a.name: a for a in session.scalars(select(Area).where(Area.community_id == world.community.id))}
    assert areas["第一片区"].kind == AreaKind.ZONE and areas["第二片区"].kind == AreaKind.ZONE
    assert areas["1-1网格"].kind == AreaKind.GRID and areas["1-1网格"].parent_id == areas["第一片区"].id
    assert areas["1-2网格"].parent_id == areas["第一片区"].id
    places = {
        p.name: p for p in session.scalars(select(Place).where(Place.community_id == world.community.id))
    }
    assert (places["3栋"].kind, places["3栋"].floors, places["3栋"].units) == (PlaceKind.BUILDING, 18, 2)
    assert places["3栋"].area_id == areas["1-2网格"].id
    assert places["北门卡口"].kind == PlaceKind.GATE and places["北门卡口"].area_id == areas["第一片区"].id
    assert places["物资分发点"].kind == PlaceKind.DEPOT and places["物资分发点"].floors is None
    # And the log says so, area by area and place by place, by whom
    assert actions(session, before) == ["area_added"] * 4 + ["place_added"] * 5 + ["imported"]
    actors = set(session.scalars(select(Event.actor_id).where(Event.id > before)))
    assert actors == {world.coordinator.id}


def test_households_file_with_bom_and_crlf(session: Session, world: World) -> None:
    # Given the places, and a households file saved by Excel as "CSV UTF-8" (BOM, CRLF)
    import_zh_places(session, world)
    before = last_event_id(session)
    # When it is imported
    with open_csv(DATA / "households_zh.csv") as source:
        report = import_households(session=session, actor=SYSTEM, community=world.community, source=source)
    # Then each household has its contact, flags, colour, quarantine date and notes
    assert report == ImportReport(rows=3, created=3, updated=0)
    rows = session.scalars(
        select(Household).join(Place, Place.id == Household.building_id).where(Place.name.in_(["1栋", "2栋"]))
    ).all()
    by_room = {h.room: h for h in rows}
    assert set(by_room) == {"101", "102", "301"}
    wang = by_room["101"]
    assert (wang.unit, wang.contact_name, wang.phone) == ("1", "王兰", "+8613800000001")
    assert (wang.elderly, wang.lives_alone, wang.disabled, wang.watch_colour) == (True, True, False, None)
    assert by_room["102"].watch_colour == WatchColour.BLUE
    assert by_room["102"].quarantine_until == date(2022, 3, 20)
    zhang = by_room["301"]
    assert (zhang.watch_colour, zhang.quarantine_until, zhang.disabled) == (
        WatchColour.RED,
        date(2022, 3, 25),
        True,
    )
    assert zhang.notes == "需要送药，每天上午, 敲门不见面"
    assert actions(session, before) == ["household_added"] * 3 + ["imported"]


def test_people_file_with_teams_and_roles(session: Session, world: World) -> None:
    # Given the teams the file names
    make_zh_teams(session, world)
    before = last_event_id(session)
    # When the people file is imported
    with open_csv(DATA / "people_zh.csv") as source:
        report = import_people(
            session=session, actor=coordinator(world), community=world.community, source=source
        )
    # Then each person has their phone, language and skills, their team and role
    assert report == ImportReport(rows=5, created=5, updated=0)
    people = {
        p.name: p for p in session.scalars(select(Person).where(Person.community_id == world.community.id))
    }
    chen, liu, tom = people["陈队长"], people["刘芳"], people["Tom Baker"]
    assert (chen.phone, chen.language, chen.skills) == ("+8613900000001", "zh", sorted(["驾驶", "测温"]))
    assert liu.skills == sorted(["消杀", "测温"]) and tom.language == "en" and tom.phone == "+8613900000003"
    roles = {
        (name, role)
        for name, role in session.execute(
            select(Person.name, Membership.role).join(Membership, Membership.person_id == Person.id)
        )
    }
    assert {
        ("陈队长", TeamRole.CAPTAIN),
        ("刘芳", TeamRole.VOLUNTEER),
        ("王小明", TeamRole.VOLUNTEER),
    } <= roles
    assert ("Tom Baker", TeamRole.VOLUNTEER) in roles and not any(name == "周书记" for name, _ in roles)
    zhou = people["周书记"]
    assert session.scalar(select(CommunityRole.id).where(CommunityRole.person_id == zhou.id)) is not None
    assert actions(session, before) == (
        ["person_added"] * 5 + ["member_added"] * 3 + ["coordinator_added", "member_added", "imported"]
    )


def test_import_writes_the_same_events_as_the_services(session: Session, world: World) -> None:
    # Given a place added by the service
    before = last_event_id(session)
    add_place(session=session, actor=SYSTEM, community=world.community, name="East Gate", kind=PlaceKind.GATE)
    by_service = session.scalar(select(Event).where(Event.id > before))
    assert by_service is not None
    # When another place comes from a file
    since = last_event_id(session)
    source = csv_text("name,kind\nWest Gate,gate\n")
    import_places(session=session, actor=SYSTEM, community=world.community, source=source)
    by_import = session.scalar(select(Event).where(Event.id > since).order_by(Event.id))
    # Then both wrote the same kind of event
    assert by_import is not None and by_import.action == by_service.action == "place_added"
    assert set(by_import.data) == set(by_service.data) and by_import.data["name"] == "West Gate"
    assert (by_import.channel, by_import.actor_id) == (by_service.channel, None)


# ---- re-import ---------------------------------------------------------------------------------------


def test_reimporting_the_same_files_changes_nothing(session: Session, world: World) -> None:
    # Given all three files imported once
    make_zh_teams(session, world)
    import_zh_places(session, world)
    files = [("households_zh.csv", import_households), ("people_zh.csv", import_people)]
    for name, run in files:
        with open_csv(DATA / name) as source:
            run(session=session, actor=SYSTEM, community=world.community, source=source)
    before = counts(session)
    # When they are imported again
    assert import_zh_places(session, world) == ImportReport(5, 0, 0)
    for name, run in files:
        with open_csv(DATA / name) as source:
            report = run(session=session, actor=SYSTEM, community=world.community, source=source)
        # Then nothing is created or changed; only the import itself is logged
        assert (report.created, report.updated) == (0, 0)
    after = counts(session)
    assert after == before | {"Event": before["Event"] + 3}


def test_reimport_updates_changed_rows(session: Session, world: World) -> None:
    # Given the places and households imported
    import_zh_places(session, world)
    with open_csv(DATA / "households_zh.csv") as source:
        import_households(session=session, actor=SYSTEM, community=world.community, source=source)
    households = counts(session)["Household"]
    before = last_event_id(session)
    # When a shorter file changes one household's colour and phone, and leaves another as it was
    source = csv_text(
        "building,unit,room,phone,watch_colour\n1栋,1,101,13800000009,黄\n1栋,1,102,138-0000-0002,蓝\n"
    )
    report = import_households(session=session, actor=SYSTEM, community=world.community, source=source)
    # Then that household is updated, not duplicated, and the columns left out are untouched
    assert report == ImportReport(rows=2, created=0, updated=1)
    assert counts(session)["Household"] == households
    wang = session.scalars(
        select(Household).where(Household.room == "101", Household.contact_name == "王兰")
    ).one()
    assert (wang.phone, wang.watch_colour, wang.elderly) == ("+8613800000009", WatchColour.YELLOW, True)
    events = session.scalars(select(Event).where(Event.id > before).order_by(Event.id)).all()
    assert [e.action for e in events] == ["watch_colour_set", "household_updated", "imported"]
    assert events[0].data == {"household_id": wang.id, "old": None, "new": "yellow", "reason": "import"}
    assert events[1].data["fields"] == ["phone"]


def test_people_are_matched_by_phone_then_by_name_in_team(session: Session, world: World) -> None:
    # Given the people imported
    make_zh_teams(session, world)
    with open_csv(DATA / "people_zh.csv") as source:
        import_people(session=session, actor=SYSTEM, community=world.community, source=source)
    people = counts(session)["Person"]
    # When a file renames someone with a known phone (written differently), promotes someone known only
    # by name within their team, gives a phone to a volunteer known without one, and names a volunteer
    # of another team
    source = csv_text(
        "name,phone,team,role\n"
        "刘芳芳,139-0000-0002,门岗防控组,volunteer\n"
        "王小明,,门岗防控组,captain\n"
        "Volunteer 2,137 0000 0002,Gate duty,volunteer\n"
        "Volunteer 1,,Supplies,volunteer\n"
    )
    report = import_people(session=session, actor=SYSTEM, community=world.community, source=source)
    # Then the first three are updated; the last is new (Volunteer 1 is in the gate team, not Supplies)
    assert report == ImportReport(rows=4, created=1, updated=3)
    assert counts(session)["Person"] == people + 1
    renamed = session.scalars(select(Person).where(Person.phone == "+8613900000002")).one()
    assert renamed.name == "刘芳芳"
    wang = session.scalars(select(Person).where(Person.name == "王小明")).one()
    assert session.scalar(select(Membership.role).where(Membership.person_id == wang.id)) == TeamRole.CAPTAIN
    assert world.volunteers[1].phone == "+8613700000002"
    assert len(session.scalars(select(Person).where(Person.name == "Volunteer 1")).all()) == 2


# ---- bad files ---------------------------------------------------------------------------------------

HOUSEHOLD_HEADER = "building,unit,room,contact_name,phone,elderly,watch_colour,quarantine_until\n"

BAD_FILES: list[tuple[str, str, str, list[tuple[int, str]]]] = [
    ("empty", "places", "", [(1, "The file is empty")]),
    ("only blank lines", "places", "\n\n,,\n", [(1, "The file is empty")]),
    ("header only", "places", "name,kind\n", [(1, "header but no rows")]),
    (
        "missing column",
        "households",
        "building,unit\nBuilding 1,2\n",
        [(1, "“room / 房号 / 门牌号 / 房间号” is missing")],
    ),
    ("unknown column", "places", "name,kind,colour\nA,gate,red\n", [(1, "Unknown column “colour”")]),
    ("unnamed column", "places", "name,,kind\nA,,gate\n", [(1, "Column 2 has no name")]),
    ("column twice", "people", "name,姓名\nA,B\n", [(1, "“姓名” appears twice")]),
    (
        "too many and too few fields",
        "places",
        "name,kind,floors\nA,gate\nB,gate,1,2\nC,gate,3\n",
        [(2, "2 fields; the header has 3"), (3, "4 fields; the header has 3")],
    ),
    (
        "bad values",
        "households",
        HOUSEHOLD_HEADER + "Building 1,1,101,Wang,1.38E+10,maybe,purple,2022-02-30\n",
        [
            (2, "phone: “1.38E+10”"),
            (2, "elderly: unknown value “maybe”"),
            (2, "watch_colour: unknown"),
            (2, "2022-02-30"),
        ],
    ),
    (
        "place kind and floors",
        "places",
        "名称,类型,楼层\n5栋,楼房,七\n",
        [(2, "类型: unknown value “楼房”"), (2, "楼层: “七” is not a whole number")],
    ),
    (
        "language and role",
        "people",
        "name,language,role,team\nA,fr,volunteer,Supplies\nB,zh,boss,Supplies\nC,en,captain,\n",
        [(2, "unknown language “fr”"), (3, "role: unknown value “boss”"), (4, "A captain needs a team")],
    ),
    (
        "duplicate rows",
        "households",
        "building,unit,room\nBuilding 1,1,101\nBuilding 1,1,102\nBuilding 1,1,101\n",
        [(4, "repeats line 2")],
    ),
    (
        "building that does not exist",
        "households",
        "楼栋,房号\nBuilding 9,101\nNorth Gate,1\n",
        [(2, "no building called “Building 9”"), (3, "“North Gate” is not a building")],
    ),
    ("team that does not exist", "people", "姓名,队伍\n小李,应急组\n", [(2, "no team called “应急组”")]),
    (
        "grid without zone, grid in two zones, zone used as grid",
        "places",
        "name,zone,grid\nA,,New grid\nB,Zone 1,Grid 1-1\nC,Zone 2,Grid 1-1\nD,,Zone 1\n",
        [
            (2, "“New grid” is new: name its zone"),
            (4, "is in zone “Zone 1”, not in “Zone 2”"),
            (5, "is a zone, not a grid"),
        ],
    ),
    (
        "line numbers count the lines of a quoted cell",
        "households",
        'building,room,notes\nBuilding 1,201,"first line\nsecond line\nthird line"\nBuilding 1,,x\n',
        [(5, "room: this cell cannot be empty")],
    ),
]

IMPORTERS = {"places": import_places, "households": import_households, "people": import_people}


@pytest.mark.parametrize(
    ("kind", "content", "expected"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_file_is_refused_with_line_numbers(
    session: Session, world: World, kind: str, content: str, expected: list[tuple[int, str]]
) -> None:
    # Given a file with problems
    before = counts(session)
    # When it is imported
    with pytest.raises(ImportFailed) as failure:
        IMPORTERS[kind](session=session, actor=SYSTEM, community=world.community, source=csv_text(content))
    # Then each problem is reported on its line, and nothing was written
    problems = failure.value.problems
    assert len(problems) == len(expected), problems
    for (line, message), (want_line, fragment) in zip(problems, expected, strict=True):
        assert line == want_line and fragment in message, problems
    assert "nothing was imported" in str(failure.value)
    assert counts(session) == before


def test_good_rows_are_not_written_when_others_are_bad(session: Session, world: World) -> None:
    # Given a file whose first row would change a known household and add a new one, and whose last is bad
    household = world.households[0]
    before = counts(session)
    source = csv_text(
        "building,unit,room,phone,elderly\n"
        "Building 1,2,301,13811112222,no\n"
        "Building 2,1,999,13811113333,yes\n"
        "Building 3,1,101,13811114444,perhaps\n"
    )
    # When it is imported
    with pytest.raises(ImportFailed) as failure:
        import_households(session=session, actor=SYSTEM, community=world.community, source=source)
    # Then only the bad line is named, and neither good row was written
    assert [line for line, _ in failure.value.problems] == [4]
    session.refresh(household)
    assert (household.phone, household.elderly) == ("+8613800000001", True)
    assert counts(session) == before


def test_problems_are_capped_at_fifty(session: Session, world: World) -> None:
    # Given a file of 80 bad rows
    source = csv_text("name,floors\n" + "".join(f"P{n},x\n" for n in range(80)))
    # When it is imported
    with pytest.raises(ImportFailed) as failure:
        import_places(session=session, actor=SYSTEM, community=world.community, source=source)
    # Then the first 50 problems are listed, by line, and the total is told
    assert [line for line, _ in failure.value.problems] == list(range(2, 52))
    assert failure.value.params == {"count": 80, "shown": 50}


def test_places_with_households_stay_buildings(session: Session, world: World) -> None:
    source = csv_text("name,kind\nBuilding 1,gate\nBuilding 3,gate\n")
    with pytest.raises(ImportFailed) as failure:
        import_places(session=session, actor=SYSTEM, community=world.community, source=source)
    assert failure.value.problems == [(2, "“Building 1” has households, so it stays a building.")]


def test_people_that_cannot_be_told_apart_are_refused(session: Session, world: World) -> None:
    # Given two people of the same name in the same team, without phones
    for _ in range(2):
        twin = add_person(session=session, actor=SYSTEM, community=world.community, name="李娜")
        add_member(session=session, actor=SYSTEM, team=world.gate_team, person=twin)
    # When a file names her without a phone
    source = csv_text("name,team,skills\n李娜,Gate duty,测温\n")
    with pytest.raises(ImportFailed) as failure:
        import_people(session=session, actor=SYSTEM, community=world.community, source=source)
    # Then it asks for phone numbers instead of guessing
    assert failure.value.problems == [(2, "2 people match “李娜”; tell them apart by phone number.")]


# ---- encodings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_line", [2, 1500])
def test_a_file_that_is_not_utf8_names_its_line(
    session: Session, world: World, tmp_path: Path, bad_line: int
) -> None:
    # Given a long UTF-8 file in which one line was saved as GBK (Excel's default "CSV" on Chinese Windows)
    lines = ["楼栋,单元,房号,联系人"] + [f"Building 1,3,{n},王{n}" for n in range(2, 2001)]
    data = b"".join(
        (line.encode("gbk") if number == bad_line else line.encode()) + b"\r\n"
        for number, line in enumerate(lines, start=1)
    )
    path = tmp_path / "households.csv"
    path.write_bytes(data)
    before = counts(session)
    # When it is imported
    with open_csv(path) as source, pytest.raises(ImportFailed) as failure:
        import_households(session=session, actor=SYSTEM, community=world.community, source=source)
    # Then the problem names that line and says how to fix it, and nothing was written
    [(line, message)] = failure.value.problems
    assert line == bad_line and "not UTF-8" in message and "CSV UTF-8" in message
    assert counts(session) == before


# ---- permission and size ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["volunteer", "captain"])
def test_only_coordinators_import(session: Session, world: World, who: str) -> None:
    person = world.volunteers[0] if who == "volunteer" else world.gate_captain
    before = counts(session)
    for run, content in [(import_places, "name\nA\n"), (import_people, "name\nB\n")]:
        with pytest.raises(NotAllowed):
            run(
                session=session,
                actor=world.actor(person),
                community=world.community,
                source=csv_text(content),
            )
    assert counts(session) == before


def test_three_thousand_households(session: Session, world: World) -> None:
    # Given a community office's file: 3,000 households in 15 buildings
    places = "name,floors,units\n" + "".join(f"{n}栋,18,2\n" for n in range(1, 16))
    import_places(session=session, actor=SYSTEM, community=world.community, source=csv_text(places))
    rows = [
        f"{b}栋,{u},{f}{r:02d},住户{b}-{u}-{f}{r:02d},138{b:04d}{u}{f:02d}{r},{'是' if r == 1 else '否'}"
        ",否,否,,,\n"
        for b in range(1, 16)
        for u in (1, 2)
        for f in range(1, 21)
        for r in range(1, 6)
    ]
    content = HOUSEHOLD_HEADER.replace("watch_colour", "lives_alone,disabled,watch_colour").rstrip("\n")
    content += ",notes\n" + "".join(rows)
    before = counts(session)
    # When it is imported, and again
    first = import_households(
        session=session, actor=SYSTEM, community=world.community, source=csv_text(content)
    )
    again = import_households(
        session=session, actor=SYSTEM, community=world.community, source=csv_text(content)
    )
    # Then 3,000 households exist once, each with its event
    assert first == ImportReport(rows=3000, created=3000, updated=0)
    assert again == ImportReport(rows=3000, created=0, updated=0)
    after = counts(session)
    assert after["Household"] - before["Household"] == 3000
    assert after["Event"] - before["Event"] == 3000 + 2
