"""The board under test: a committed database (SQLite and PostgreSQL) with the test community, recurring
disinfection at its buildings, a gate shift, and the board app on a frozen clock."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from coord.clock import FrozenClock
from coord.db import make_session_factory
from coord.models import Person, PlaceKind, Task
from coord.services.board import issue_link
from coord.services.recurring.materialisation import materialise
from coord.services.recurring.templates import create_template
from coord.settings import Settings, load_settings
from coord.web import create_app
from tests.conftest import IN_CI, FreshDatabase
from tests.factories import NOW, SYSTEM, World, build_world, gate_shift, link_chat_accounts

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
#: Debian's chromium (TESTING.md): Playwright's own download cannot reach its servers here.
CHROMIUM = os.environ.get("COORD_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium, never a downloaded one (``playwright install`` cannot reach its servers here)."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing, and CI=true: install chromium (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing: browser tests skipped on this machine")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


@dataclass
class Scene:
    """The board over a committed database, with the names of what the test community holds."""

    engine: Engine
    factory: sessionmaker[Session]
    clock: FrozenClock
    settings: Settings
    app: Starlette
    world: World
    gate_task: int  # the gate team's shift, two places free
    rounds: list[int]  # today's disinfection tasks (supply team)

    def link(self, person: Person) -> str:
        """A one-time sign-in token for ``person``, as the bot would send."""
        with self.factory() as session, session.begin():
            return issue_link(session, person=session.get_one(Person, person.id), now=self.clock.now())

    def client(self) -> TestClient:
        return TestClient(self.app, base_url=self.settings.web_address)

    def signed_in(self, person: Person) -> TestClient:
        """A browser signed in as ``person``."""
        client = self.client()
        response = client.post(f"/signin/{self.link(person)}", follow_redirects=False)
        assert response.status_code == 303, response.text
        return client

    def csrf(self, client: TestClient) -> str:
        found = CSRF.search(client.get("/today").text)
        assert found is not None
        return found.group(1)

    def task(self, task_id: int) -> Task:
        with self.factory() as session:
            task = session.get_one(Task, task_id)
            session.expunge(task)
            return task

    def read(self, fn: Any) -> Any:
        with self.factory() as session:
            return fn(session)


def build_scene(
    fresh_db: FreshDatabase,
    *,
    network: str = "test",
    ids: Callable[[str], tuple[str, str | None]] | None = None,
    clock: FrozenClock | None = None,
    **settings: Any,
) -> Scene:
    """The test community in ``fresh_db`` (chat accounts on ``network``) and the board app over it."""
    engine = fresh_db.engine()
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        world = build_world(session)
        link_chat_accounts(session, world, network, ids=ids)
        template = create_template(
            session=session,
            actor=SYSTEM,
            community=world.community,
            name="Disinfection",
            kind="disinfection",
            title="Disinfect {place}",
            rrule="FREQ=DAILY;BYHOUR=8,16,20;BYMINUTE=0",
            starts_on=date(2026, 3, 1),
            team=world.supply_team,
            duration_minutes=60,
            place_kind=PlaceKind.BUILDING,
            now=NOW - timedelta(days=1),
        )
        materialise(session=session, template=template, now=NOW - timedelta(hours=7), days=2)
        gate = gate_shift(session, world)
        rounds = [t.id for t in session.query(Task).filter(Task.template_id == template.id)]
        session.expunge_all()
    clock = clock or FrozenClock(NOW)
    config = load_settings(
        **({"database_url": "sqlite:///unused.db", "web_base_url": "http://board.test"} | settings)
    )
    app = create_app(config, factory=factory, clock=clock)
    return Scene(engine, factory, clock, config, app, world, gate.id, rounds)


@pytest.fixture
def scene(fresh_db: FreshDatabase) -> Iterator[Scene]:
    yield build_scene(fresh_db)
