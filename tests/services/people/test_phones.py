"""Phone numbers in E.164, read in the community's region: two spellings of one number are one person on
import; what is not a possible number is refused with its row's line; the migration rewrites stored ones."""

from __future__ import annotations

import io

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from coord.db import make_engine, make_session_factory
from coord.errors import ImportFailed, InvalidInput
from coord.migrate import alembic_config
from coord.models import Community, Household, Person
from coord.services.imports.people import import_people
from coord.services.people.phones import e164, phone_key
from tests.conftest import FreshDatabase
from tests.factories import SYSTEM, World, build_world


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("13912345678", "CN", "+8613912345678"),
        ("+86 139 1234 5678", "CN", "+8613912345678"),
        ("139-1234-5678", "CN", "+8613912345678"),
        ("(010) 6552 9988", "CN", "+861065529988"),
        ("030 1234567", "DE", "+49301234567"),
        ("+86 139 1234 5678", "DE", "+8613912345678"),
        ("", "CN", ""),
    ],
)
def test_numbers_are_written_in_e164(raw: str, region: str, expected: str) -> None:
    assert e164(raw, region) == expected


@pytest.mark.parametrize("raw", ["12", "call me", "1391234567890123456", "+999 1234"])
def test_what_is_not_a_possible_number_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        e164(raw, "CN")
    assert phone_key(raw) != phone_key("13912345678")


def test_two_spellings_of_one_number_are_one_person_on_import(session: Session, world: World) -> None:
    # Given a file that names one person with her number written two ways
    source = io.StringIO("name,phone\n李梅,13912345678\n李梅,+86 139 1234 5678\n", newline="")
    # When it is imported, Then the second row repeats the first (one person, not two)
    with pytest.raises(ImportFailed) as caught:
        import_people(session=session, actor=SYSTEM, community=world.community, source=source)
    assert caught.value.problems == [(3, "This row repeats line 2.")]

    # Given her imported once, When a later file writes her number the other way, Then she is updated
    first = io.StringIO("name,phone\n李梅,13912345678\n", newline="")
    import_people(session=session, actor=SYSTEM, community=world.community, source=first)
    again = io.StringIO("name,phone\n李梅梅,+86 139 1234 5678\n", newline="")
    report = import_people(session=session, actor=SYSTEM, community=world.community, source=again)
    assert (report.created, report.updated) == (0, 1)
    found = session.scalars(select(Person).where(Person.phone == "+8613912345678")).all()
    assert [p.name for p in found] == ["李梅梅"]


def test_an_impossible_number_is_refused_with_its_line(session: Session, world: World) -> None:
    source = io.StringIO("name,phone\n王一,13912345678\n王二,1234\n王三,139 1234 5679\n", newline="")
    with pytest.raises(ImportFailed) as caught:
        import_people(session=session, actor=SYSTEM, community=world.community, source=source)
    [(line, problem)] = caught.value.problems
    assert line == 3 and "1234" in problem and "not a possible phone number" in problem
    assert session.scalars(select(Person).where(Person.name.in_(["王一", "王三"]))).all() == []


def test_the_community_region_reads_a_local_number(session: Session, world: World) -> None:
    world.community.phone_region = "DE"
    source = io.StringIO("name,phone\nAnna,030 1234567\n", newline="")
    import_people(session=session, actor=SYSTEM, community=world.community, source=source)
    anna = session.scalars(select(Person).where(Person.name == "Anna")).one()
    assert anna.phone == "+49301234567"


def test_the_migration_rewrites_stored_numbers(fresh_db: FreshDatabase) -> None:
    # Given a database whose numbers were stored as typed (before 0017)
    url = fresh_db.url()
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        world = build_world(session)
        person_id = world.volunteers[0].id
        session.execute(text("UPDATE person SET phone = '139 1234 5678' WHERE id = :id"), {"id": person_id})
        session.execute(
            text("UPDATE person SET phone = 'ask the gate' WHERE id = :id"), {"id": world.volunteers[1].id}
        )
        household_id = session.scalars(select(Household.id)).first()
        if household_id is not None:
            session.execute(
                text("UPDATE household SET phone = '138-0000-0001' WHERE id = :id"), {"id": household_id}
            )
    engine.dispose()
    command.downgrade(alembic_config(url), "0016")
    # When it is migrated
    command.upgrade(alembic_config(url), "head")
    # Then every possible number is in E.164, and what is not one is left as it was
    with make_session_factory(engine)() as session:
        assert session.get_one(Person, person_id).phone == "+8613912345678"
        assert session.get_one(Person, world.volunteers[1].id).phone == "ask the gate"
        if household_id is not None:
            assert session.get_one(Household, household_id).phone == "+8613800000001"
        assert {c.phone_region for c in session.scalars(select(Community))} == {"CN"}
    engine.dispose()


def test_a_coordinator_sets_the_communitys_phone_region(session: Session, world: World) -> None:
    from coord.services.people.communities import update_community

    update_community(session=session, actor=SYSTEM, community=world.community, phone_region=" de ")
    assert world.community.phone_region == "DE"
    with pytest.raises(InvalidInput):
        update_community(session=session, actor=SYSTEM, community=world.community, phone_region="XX")
    assert world.community.phone_region == "DE"
