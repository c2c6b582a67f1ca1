"""``coord place list|edit|remove`` and ``coord area list|edit|remove`` (issue 15 §7): a place or area still
referred to is not removed, and bad input changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.db import make_engine
from coord.models import Area, Event, Place
from tests.conftest import FreshDatabase
from tests.entrypoints.cli.test_cli import coord, ok, one_line_error


@pytest.fixture
def url(fresh_db: FreshDatabase) -> str:
    address = fresh_db.url()
    ok(address, "init")
    ok(address, "community", "create", "邮科院社区", "--slug", "ykc")
    ok(address, "area", "add", "第一片区", "--kind", "zone")
    ok(address, "area", "add", "第二片区", "--kind", "zone")
    ok(address, "area", "add", "1-1网格", "--kind", "grid", "--parent", "第一片区")
    ok(address, "place", "add", "12栋", "--kind", "building", "--area", "1-1网格", "--floors", "7")
    ok(address, "place", "add", "南门", "--kind", "gate", "--area", "第一片区")
    return address


def counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return (
                session.scalar(select(func.count()).select_from(Place)) or 0,
                session.scalar(select(func.count()).select_from(Area)) or 0,
                session.scalar(select(func.count()).select_from(Event)) or 0,
            )
    finally:
        engine.dispose()


def test_places_are_listed_edited_and_removed(url: str) -> None:
    listed = ok(url, "place", "list")
    assert re.search(r"12栋\s+building\s+1-1网格\s+7", listed) and re.search(
        r"南门\s+gate\s+第一片区", listed
    )
    assert "Updated 北门: area_id, name." in ok(url, "place", "edit", "南门", "--name", "北门", "--area", "-")
    assert re.search(r"北门\s+gate\s+(\d|$)", ok(url, "place", "list"), re.MULTILINE)
    assert "Nothing to change" in ok(url, "place", "edit", "北门", "--kind", "gate")
    assert "Removed 北门." in ok(url, "place", "remove", "北门")
    assert "北门" not in ok(url, "place", "list")


def test_a_place_in_use_is_kept_and_bad_input_changes_nothing(url: str) -> None:
    ok(url, "task", "create", "--kind", "delivery", "--title", "Rice", "--place", "12栋")
    before = counts(url)
    assert "still used by tasks (1)" in one_line_error(coord(url, "place", "remove", "12栋"))
    assert "exists already" in one_line_error(coord(url, "place", "edit", "12栋", "--name", "南门"))
    assert "no place called" in one_line_error(coord(url, "place", "remove", "Castle"))
    assert "no zone or grid" in one_line_error(coord(url, "place", "edit", "12栋", "--area", "Moon"))
    assert counts(url) == before
    assert re.search(r"12栋\s+building\s+1-1网格", ok(url, "place", "list"))


def test_areas_are_listed_edited_and_removed_unless_in_use(url: str) -> None:
    listed = ok(url, "area", "list")
    assert re.search(r"第一片区\s+zone\s+1\b", listed) and re.search(
        r"1-1网格\s+grid\s+第一片区\s+1\b", listed
    )
    assert "Updated 1-1网格: parent_id." in ok(url, "area", "edit", "1-1网格", "--parent", "第二片区")
    assert re.search(r"1-1网格\s+grid\s+第二片区", ok(url, "area", "list"))
    before = counts(url)
    assert "still has places (0), grids (1)" in one_line_error(coord(url, "area", "remove", "第二片区"))
    assert "inside a zone" in one_line_error(coord(url, "area", "edit", "第一片区", "--parent", "第二片区"))
    assert "exists already" in one_line_error(coord(url, "area", "edit", "第一片区", "--name", "第二片区"))
    assert counts(url) == before
    ok(url, "place", "edit", "12栋", "--area", "-")
    assert "Removed 1-1网格." in ok(url, "area", "remove", "1-1网格")
    assert "Updated 东片区: name." in ok(url, "area", "edit", "第二片区", "--name", "东片区")
    assert "Removed 东片区." in ok(url, "area", "remove", "东片区")
    assert "东片区" not in ok(url, "area", "list")


def test_a_grid_names_its_leader_and_three_roles(url: str) -> None:
    ok(url, "person", "add", "王芳")
    ok(url, "person", "add", "李医生")
    assert "Updated 1-1网格: leader, medic." in ok(
        url, "area", "roles", "1-1网格", "leader=王芳", "medic=李医生"
    )
    shown = ok(url, "area", "roles", "1-1网格")
    assert re.search(r"grid leader\s+王芳", shown) and re.search(r"temperature-check medic\s+李医生", shown)
    assert re.search(r"supplies buyer\s+nobody", shown)
    before = counts(url)
    assert "is a zone" in one_line_error(coord(url, "area", "roles", "第一片区", "leader=王芳"))
    assert "not “chief”" in one_line_error(coord(url, "area", "roles", "1-1网格", "chief=王芳"))
    assert "role=NAME" in one_line_error(coord(url, "area", "roles", "1-1网格", "leader"))
    assert "王小明" in one_line_error(coord(url, "area", "roles", "1-1网格", "buyer=王小明"))
    assert counts(url) == before
    assert "Updated 1-1网格: medic." in ok(url, "area", "roles", "1-1网格", "medic=-")
    assert re.search(r"temperature-check medic\s+nobody", ok(url, "area", "roles", "1-1网格"))


def test_a_community_names_its_party_secretary(url: str) -> None:
    # Given a coordinator and a volunteer
    ok(url, "person", "add", "罗文")
    ok(url, "coordinator", "add", "罗文")
    ok(url, "person", "add", "程华英")
    # When the coordinator is named party secretary, it is said and shown
    assert "罗文 is now the party secretary" in ok(url, "community", "secretary", "罗文")
    assert re.search(r"party secretary\s+罗文", ok(url, "community", "show"))
    # A volunteer or nobody cannot be, and nothing changes
    before = counts(url)
    assert "not a coordinator" in one_line_error(coord(url, "community", "secretary", "程华英"))
    assert "no person" in one_line_error(coord(url, "community", "secretary", "王小明"))
    assert counts(url) == before
    # "-" clears it
    assert "every coordinator" in ok(url, "community", "secretary", "-")
    assert not re.search(r"party secretary\s+罗文", ok(url, "community", "show"))
