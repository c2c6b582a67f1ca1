"""``coord privacy``: the reads of a household's private details and a person's, and keeping a household past
retention, against the seeded demo database (a SQLite file, and a PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coord.db import make_engine
from coord.models import CommunityRole, Household, KeptHousehold, Person
from coord.services.people.access import Actor
from coord.services.watch import household_view
from tests.conftest import FreshDatabase
from tests.entrypoints.cli.test_cli import coord, ok, one_line_error


@pytest.fixture(scope="module")
def demo(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fresh = FreshDatabase(database_kind, tmp_path_factory.mktemp("privacy"))
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


def watched(db: Engine) -> tuple[int, str]:
    with Session(db) as session:
        found = session.scalars(
            select(Household).where(Household.watch_colour.is_not(None)).order_by(Household.id).limit(1)
        ).one()
        return found.id, found.address


def test_a_household_shown_is_listed_among_its_reads(demo: str, db: Engine) -> None:
    # Given a household on the watch list, shown by the operator
    household_id, address = watched(db)
    ok(demo, "household", "show", str(household_id))
    # When its reads are listed
    listing = ok(demo, "privacy", "reads", "--household", str(household_id))
    # Then the read is there: by the operator, from the CLI, of that household
    line = next(line for line in listing.splitlines() if "the operator" in line)
    assert "command line" in line and "household card" in line and address in line


def test_a_persons_reads_and_the_options_refused_in_one_line(demo: str, db: Engine) -> None:
    # Given a coordinator who read a household on the watch list
    household_id, address = watched(db)
    with Session(db) as session, session.begin():
        role = session.scalars(
            select(CommunityRole).where(CommunityRole.role == "coordinator").limit(1)
        ).one()
        reader = session.get_one(Person, role.person_id)
        household_view(
            session,
            actor=Actor(reader, "matrix"),
            household=session.get_one(Household, household_id),
            now=datetime.now(UTC),
        )
        name = reader.name
    # When the operator lists that person's reads
    listing = ok(demo, "privacy", "reads", "--person", name)
    # Then the read is there, through the channel it came from
    line = next(line for line in listing.splitlines() if address in line)
    assert name in line and "household card" in line and " chat " in line
    assert "Give --household or --person" in one_line_error(coord(demo, "privacy", "reads"))


def test_keep_and_release_a_household(demo: str, db: Engine) -> None:
    household_id, _ = watched(db)
    assert "kept past retention" in ok(demo, "privacy", "keep", str(household_id), "--reason", "still traced")
    with Session(db) as session:
        assert session.get(KeptHousehold, household_id) is not None
    assert "Say why" in one_line_error(coord(demo, "privacy", "keep", str(household_id)))
    assert "follow retention again" in ok(demo, "privacy", "keep", str(household_id), "--release")
    with Session(db) as session:
        assert session.get(KeptHousehold, household_id) is None
