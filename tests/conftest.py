"""Fixtures: every database test runs on SQLite and, when ``COORD_TEST_DATABASE_URL`` is set, on PostgreSQL.

With ``CI=true`` a missing PostgreSQL fails the run instead of skipping (as Dramatiq's own suite does).
Each run gets its own PostgreSQL schema; each test rolls back (SQLAlchemy's create_savepoint recipe).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from coord.db import make_engine, make_session_factory
from coord.migrate import upgrade
from tests.factories import World, build_world

PG_URL = os.environ.get("COORD_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
DATABASES = ["sqlite", "postgresql"]


def _need_postgres() -> str:
    if PG_URL:
        return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    if IN_CI:
        pytest.fail("COORD_TEST_DATABASE_URL is not set, and CI=true: PostgreSQL tests must run in CI")
    pytest.skip("COORD_TEST_DATABASE_URL not set: PostgreSQL tests skipped on this machine")


class FreshDatabase:
    """Creates empty, migrated databases: a SQLite file, or a PostgreSQL schema dropped at the end."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.tmp = tmp
        self._cleanups: list[Callable[[], None]] = []

    def url(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp / ('db_' + secrets.token_hex(4) + '.sqlite3')}"
        base = _need_postgres()
        schema = f"coord_test_{os.getpid()}_{secrets.token_hex(4)}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))

        def drop() -> None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()

        self._cleanups.append(drop)
        joiner = "&" if "?" in base else "?"
        return f"{base}{joiner}options=-csearch_path%3D{schema}"

    def engine(self, *, migrate: bool = True, pool_size: int = 10) -> Engine:
        engine = make_engine(self.url(), pool_size=pool_size)
        if migrate:
            upgrade(engine)
        self._cleanups.insert(0, engine.dispose)
        return engine

    def close(self) -> None:
        for cleanup in self._cleanups:
            cleanup()


@pytest.fixture(scope="session", params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fresh_db(database_kind: str, tmp_path: Path) -> Iterator[FreshDatabase]:
    """For tests that need real commits (concurrency, restarts): their own empty database."""
    fresh = FreshDatabase(database_kind, tmp_path)
    yield fresh
    fresh.close()


@pytest.fixture(scope="session")
def engine(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    fresh = FreshDatabase(database_kind, tmp_path_factory.mktemp(database_kind))
    yield fresh.engine()
    fresh.close()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every change is rolled back after the test."""
    with engine.connect() as connection:
        outer = connection.begin()
        db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield db
        finally:
            db.close()
            outer.rollback()


@pytest.fixture
def world(session: Session) -> World:
    """A small community: two teams with a captain each, volunteers, a coordinator, places and households."""
    return build_world(session)


@pytest.fixture
def factory_for() -> Callable[[Engine], sessionmaker[Session]]:
    return make_session_factory
