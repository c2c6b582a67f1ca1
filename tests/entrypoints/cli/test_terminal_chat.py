"""``coord chat --as``: the conversation layer in a terminal, driven through stdin on a seeded database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from coord.db import make_engine
from coord.entrypoints.cli import app
from coord.models import Assignment, ChatAccount, Household, Membership, Person, Task, TeamRole
from tests.conftest import FreshDatabase

runner = CliRunner()


def coord(url: str, *args: str, stdin: str | None = None) -> Result:
    env = {"COORD_DATABASE_URL": url, "COORD_LANGUAGE": "en", "COLUMNS": "200"}
    return runner.invoke(app, list(args), env=env, input=stdin)


@pytest.fixture(scope="module")
def url(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded demo community (万科嘉园), shared by the module's tests."""
    fresh = FreshDatabase(database_kind, tmp_path_factory.mktemp("chat"))
    address = fresh.url()
    for args in (("init",), ("seed", "--demo")):
        assert coord(address, *args).exit_code == 0
    yield address
    fresh.close()


def volunteer_and_delivery(url: str) -> tuple[Person, Task]:
    """A volunteer of the team that delivers, and an open delivery to a household of that team."""
    engine = make_engine(url)
    with Session(engine) as session:
        task = session.scalars(
            select(Task)
            .where(Task.kind == "delivery", Task.household_id.is_not(None), Task.filled == 0)
            .order_by(Task.id)
        ).first()
        assert task is not None
        person = session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.team_id == task.team_id, Membership.role == TeamRole.VOLUNTEER)
            .order_by(Person.id.desc())
        ).first()
        assert person is not None
        session.expunge_all()
    engine.dispose()
    return person, task


def test_a_seeded_person_chats_without_onboarding_and_claims_with_private_details(url: str) -> None:
    # Given a volunteer of the seed, who has never used a chat network
    person, task = volunteer_and_delivery(url)
    # When they ask for their tasks and claim a delivery in the terminal
    result = coord(url, "chat", "--as", person.name, "--lang", "en", stdin=f"my\nclaim {task.id}\nexit\n")
    # Then the bot knows them (no invite asked), and the address comes as a private reply
    assert result.exit_code == 0, result.output
    assert "not registered" not in result.output and "invite" not in result.output.lower()
    assert f"You have task #{task.id}" in result.output
    private = [line for line in result.output.splitlines() if "🔒" in line]
    assert private and "private message" in private[0]
    engine = make_engine(url)
    with Session(engine) as session:
        home = session.get_one(Household, task.household_id)
        assert home.phone in private[0]
        held = session.scalar(select(Assignment).where(Assignment.task_id == task.id))
        assert held is not None and held.person_id == person.id
        account = session.scalar(
            select(ChatAccount).where(ChatAccount.person_id == person.id, ChatAccount.network == "terminal")
        )
        assert account is not None and account.dm_chat_id == f"terminal-{person.id}"
    engine.dispose()


def test_in_the_group_private_details_appear_only_on_the_private_line(url: str) -> None:
    person, _ = volunteer_and_delivery(url)
    engine = make_engine(url)
    with Session(engine) as session:
        other = session.scalars(
            select(Task)
            .where(Task.kind == "delivery", Task.household_id.is_not(None), Task.filled == 0)
            .order_by(Task.id.desc())
        ).first()
        assert other is not None
        phone = session.get_one(Household, other.household_id).phone
    engine.dispose()
    typed = f"claim {other.id}\n"
    result = coord(url, "chat", "--as", str(person.id), "--group", "--lang", "en", stdin=typed)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    public = [line for line in lines if line.startswith("bot ›") and "🔒" not in line]
    assert any(f"has taken task #{other.id}" in line and "privately" in line for line in public)
    assert all(phone not in line for line in public)
    assert any(phone in line for line in lines if "🔒" in line)


def test_a_number_presses_a_button(url: str) -> None:
    person, _ = volunteer_and_delivery(url)
    result = coord(url, "chat", "--as", person.name, "--lang", "en", stdin="tasks\n1\n")
    assert result.exit_code == 0, result.output
    first = re.search(r"\[1\] Claim #(\d+)", result.output)
    assert first, result.output
    assert f"#{first.group(1)}" in result.output.split("[1] Claim")[1]
    assert "Please send" not in result.output  # "1" was not taken as text


def test_chinese_replies_with_lang(url: str) -> None:
    person, _ = volunteer_and_delivery(url)
    result = coord(url, "chat", "--as", person.name, "--lang", "zh", stdin="help\n")
    assert result.exit_code == 0
    assert "认领" in result.output and "你现在是" in result.output


def test_an_unknown_name_is_one_line_with_candidates(url: str) -> None:
    person, _ = volunteer_and_delivery(url)
    result = coord(url, "chat", "--as", person.name[0], stdin="")
    assert result.exit_code != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert (len(lines) == 1 and "did you mean" in lines[0] and f"#{person.id}" in lines[0]) or "#" in lines[0]
    nobody = coord(url, "chat", "--as", "Nobody Atall", stdin="")
    assert nobody.exit_code != 0 and len(nobody.stderr.strip().splitlines()) == 1
    assert "coord person list" in nobody.stderr and "Traceback" not in nobody.output


def test_two_people_of_one_name_are_told_apart_by_number(url: str) -> None:
    person, _ = volunteer_and_delivery(url)
    assert coord(url, "person", "add", person.name).exit_code == 0
    result = coord(url, "chat", "--as", person.name, stdin="")
    assert result.exit_code != 0
    line = result.stderr.strip()
    assert "\n" not in line and "2 people are called" in line and f"#{person.id}" in line


def test_while_a_question_waits_a_number_is_the_answer_not_a_button(url: str) -> None:
    # Given a volunteer reporting a delivery done, asked how many households were served ([b1] Stop)
    person, task = volunteer_and_delivery(url)
    typed = f"claim {task.id}\ndone {task.id}\n1\n2\n"
    result = coord(url, "chat", "--as", str(person.id), "--lang", "en", stdin=typed)
    assert result.exit_code == 0, result.output
    # Then "1" and "2" are the answers (1 household, 2 items), not the Stop and Skip buttons
    assert "Stopped" not in result.output
    assert "households served: 1" in result.output and "items: 2" in result.output
    assert "[b1] Stop" in result.output and "b1, b2" in result.output
    # And a button is still pressed with b and its number
    again = coord(url, "chat", "--as", str(person.id), "--lang", "en", stdin="health\nb2\n")
    assert "Please rest today" in again.output, again.output


def test_a_newcomer_joins_with_the_building_code_and_orders_and_is_known_the_next_time(url: str) -> None:
    """``--newcomer NAME``: someone the bot does not know yet, as a resident at their door would be."""
    from coord.models import BuildingCode

    engine = make_engine(url)
    with Session(engine) as session:
        household = session.scalars(
            select(Household).where(Household.phone != "").order_by(Household.id.desc())
        ).first()
        assert household is not None
        code = session.scalar(
            select(BuildingCode.code).where(BuildingCode.building_id == household.building_id)
        )
        address = household.address
        session.expunge_all()
    engine.dispose()
    if code is None:  # made the first time a coordinator asks for the building's codes
        assert coord(url, "requests", "codes").exit_code == 0
        engine = make_engine(url)
        with Session(engine) as session:
            code = session.scalar(
                select(BuildingCode.code).where(BuildingCode.building_id == household.building_id)
            )
        engine.dispose()
    assert code
    home = f"{household.unit} {household.room}"
    typed = f"hello\n/start {code}\n{home}\nphone {household.phone}\norder rice 1 bag\n"
    first = coord(url, "chat", "--newcomer", "Auntie Li", "--lang", "en", stdin=typed)
    assert first.exit_code == 0, first.output
    assert "not registered" in first.output  # before the code
    assert f"Your home: {address}" in first.output and "confirmed" in first.output
    assert re.search(r"Request #\d+ \(rice 1 bag\) is received", first.output), first.output
    # The next time, the same newcomer is the resident they became
    again = coord(url, "chat", "--newcomer", "Auntie Li", "--lang", "en", stdin="requests\n")
    assert "rice 1 bag" in again.output and "not registered" not in again.output


def test_who_is_speaking_must_be_said_once(url: str) -> None:
    for args in ((), ("--as", "1", "--newcomer", "Auntie Li")):
        result = coord(url, "chat", *args, stdin="")
        assert result.exit_code != 0 and "--newcomer NAME" in result.output
    assert "no group chat" in coord(url, "chat", "--newcomer", "X", "--group", stdin="").output
