"""``coord requests``: building codes and QR codes, the group-buy settings, the list and the exports, against
the seeded demo database (a SQLite file, and a PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.db import make_engine
from coord.models import BuildingCode, Event, Household, RequestChannel
from coord.services import requests
from coord.services.people.access import Actor
from tests.conftest import FreshDatabase
from tests.entrypoints.cli.test_cli import coord, ok, one_line_error


@pytest.fixture(scope="module")
def demo(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fresh = FreshDatabase(database_kind, tmp_path_factory.mktemp("requests"))
    address = fresh.url()
    ok(address, "init")
    ok(address, "seed", "--demo")
    engine = make_engine(address)
    with Session(engine) as session, session.begin():  # one desk order, entered as the system
        household = session.scalars(select(Household).order_by(Household.id).limit(1)).one()
        requests.place_request(
            session=session,
            actor=Actor.system("test"),
            household=household,
            items="rice 1 bag, eggs 10",
            channel=RequestChannel.CAPTAIN,
            now=utcnow(),
        )
    engine.dispose()
    yield address
    fresh.close()


def test_codes_for_every_building_with_links_and_qr_codes(demo: str, tmp_path: Path) -> None:
    listing = ok(demo, "requests", "codes", "--bot", "@wanke_bot", "--qr", str(tmp_path))
    engine = make_engine(demo)
    with Session(engine) as session:
        codes = session.scalars(select(BuildingCode)).all()
    engine.dispose()
    assert len(codes) == 14
    for code in codes:
        assert f"https://t.me/wanke_bot?start={code.code}" in listing
    assert len(list(tmp_path.glob("*.png"))) == 14
    assert ok(demo, "requests", "codes").count("start=") == 14  # the same codes again, not new ones


def test_settings_are_shown_and_changed(demo: str) -> None:
    assert "20:00" in ok(demo, "requests", "settings")
    changed = ok(
        demo, "requests", "settings", "--cutoff", "19:30", "--scope", "grid", "--team", "生活物资采购组"
    )
    assert "19:30" in changed and "grid" in changed
    assert "19:30" in ok(demo, "requests", "settings")
    assert "time" in one_line_error(coord(demo, "requests", "settings", "--cutoff", "7pm"))
    assert "grid" in one_line_error(coord(demo, "requests", "settings", "--scope", "street"))


def test_list_and_export_without_private_details_unless_asked(demo: str, tmp_path: Path) -> None:
    engine = make_engine(demo)
    with Session(engine) as session:
        household = session.scalars(select(Household).order_by(Household.id).limit(1)).one()
        phone, address = household.phone, household.address
    listing = ok(demo, "requests", "list")
    assert "rice 1 bag" in listing and phone not in listing and address not in listing
    ok(demo, "requests", "export", "-o", str(tmp_path / "r.csv"))
    public = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "rice 1 bag" in public and phone.lstrip("+") not in public
    ok(demo, "requests", "export", "-o", str(tmp_path / "r.xlsx"), "--format", "xlsx", "--private")
    assert (tmp_path / "r.xlsx").read_bytes()[:2] == b"PK"
    with Session(engine) as session:
        exported = session.scalars(select(Event.data).where(Event.action == "requests_exported")).all()
    engine.dispose()
    assert [e["private"] for e in exported][-2:] == [False, True]
