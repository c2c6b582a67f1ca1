"""``coord person edit|deactivate`` and ``coord invite revoke``, against the seeded demo database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coord.db import make_engine
from coord.models import ACTIVE_STATES, Assignment, AssignmentState, Person, Task, TaskStatus
from tests.conftest import FreshDatabase
from tests.entrypoints.cli.test_cli import coord, ok, one_line_error


@pytest.fixture(scope="module")
def demo(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fresh = FreshDatabase(database_kind, tmp_path_factory.mktemp("people_tools"))
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


def test_person_edit_changes_details_and_refuses_bad_input(demo: str, db: Engine) -> None:
    with Session(db) as session:
        person_id = session.scalars(select(Person.id).order_by(Person.id.desc()).limit(1)).one()
    shown = ok(demo, "person", "edit", str(person_id), "--phone", "139 1234 5678", "--skill", "Driver")
    assert "Changed phone, skills" in shown
    assert "Nothing changed" in ok(demo, "person", "edit", str(person_id), "--skill", "driver")
    assert "not a phone number" in one_line_error(
        coord(demo, "person", "edit", str(person_id), "--phone", "x")
    )
    assert "Nothing to change" in one_line_error(coord(demo, "person", "edit", str(person_id)))
    with Session(db) as session:
        person = session.get(Person, person_id)
        assert person is not None and (person.phone, person.skills) == ("+8613912345678", ["driver"])


def test_person_deactivate_releases_what_they_hold(demo: str, db: Engine) -> None:
    with Session(db) as session:
        person_id, task_id = session.execute(
            select(Assignment.person_id, Assignment.task_id)
            .join(Task, Task.id == Assignment.task_id)
            .where(
                Assignment.state.in_(ACTIVE_STATES),
                Task.status.in_((TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)),
            )
            .limit(1)
        ).one()
    assert "--reason" in one_line_error(coord(demo, "person", "deactivate", str(person_id)))
    shown = ok(demo, "person", "deactivate", str(person_id), "--reason", "moved away")
    assert "is deactivated" in shown and f"Released task #{task_id}" in shown
    with Session(db) as session:
        person = session.get(Person, person_id)
        assert person is not None and not person.active
        states = session.scalars(
            select(Assignment.state).where(Assignment.person_id == person_id, Assignment.task_id == task_id)
        ).all()
        assert AssignmentState.RELEASED in states
    assert " (deactivated)" in ok(demo, "person", "list")
    again = one_line_error(coord(demo, "person", "deactivate", str(person_id), "--reason", "again"))
    assert "already deactivated" in again


def test_invite_revoke_makes_a_code_unusable(demo: str) -> None:
    shown = ok(demo, "invite", "create", "--team", "应急组", "--role", "volunteer", "--uses", "3")
    code = re.search(r"Invite code: (\w+)", shown)
    assert code is not None
    assert code.group(1) in ok(demo, "invite", "list")
    assert "revoked" in ok(demo, "invite", "revoke", code.group(1).lower())
    assert code.group(1) not in ok(demo, "invite", "list")
    assert "used up or expired" in one_line_error(coord(demo, "invite", "revoke", code.group(1)))
    assert "no invite" in one_line_error(coord(demo, "invite", "revoke", "NOSUCHCODE"))
