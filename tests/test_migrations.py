"""The migrations have one head and build exactly the schema of the models, on both databases; the plain
``alembic`` command works from the project root (pyproject.toml's [tool.alembic], the database from coord's
settings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from coord.db import make_engine
from coord.migrate import (
    COMPARE_OPTIONS,
    MIGRATIONS,
    alembic_config,
    current_revisions,
    head_revisions,
    upgrade,
)
from coord.models import Base
from tests.conftest import FreshDatabase

ROOT = Path(__file__).resolve().parent.parent
ALEMBIC = Path(sys.executable).with_name("alembic")


def test_the_migrations_have_exactly_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"more than one head: {heads}; join them with a merge migration"
    assert head_revisions() == set(heads)
    # The plain alembic command reads pyproject.toml's [tool.alembic] and finds the same scripts and head.
    cli_scripts = ScriptDirectory.from_config(Config(toml_file=ROOT / "pyproject.toml"))
    assert Path(cli_scripts.dir).resolve() == MIGRATIONS.resolve()
    assert cli_scripts.get_heads() == heads


def test_the_migrated_schema_is_the_schema_of_the_models(fresh_db: FreshDatabase) -> None:
    # Up by URL (env.py's sqlalchemy.url path; on PostgreSQL the URL carries a %-escaped search_path),
    # down to base and up again on a connection handed over (coord.migrate's path).
    url = fresh_db.url()
    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "base")
    engine = make_engine(url)
    try:
        assert current_revisions(engine) == set()
        upgrade(engine)
        assert current_revisions(engine) == head_revisions()
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts=COMPARE_OPTIONS), Base.metadata
            )
        assert diff == [], "the models and the migrations differ: add a migration"
    finally:
        engine.dispose()


def alembic(url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The plain alembic command, from the project root, the database named only by COORD_DATABASE_URL."""
    assert ALEMBIC.exists(), f"no alembic command next to {sys.executable}"
    return subprocess.run(
        [str(ALEMBIC), *arguments],
        cwd=ROOT,
        env={"COORD_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_alembic_command_upgrades_checks_and_downgrades(fresh_db: FreshDatabase) -> None:
    url = fresh_db.url()
    engine = make_engine(url)
    try:
        done = alembic(url, "upgrade", "head")
        assert done.returncode == 0, done.stderr
        assert current_revisions(engine) == head_revisions()
        with engine.connect() as connection:
            assert set(Base.metadata.tables) <= set(inspect(connection).get_table_names())
        engine.dispose()

        done = alembic(url, "check")
        assert done.returncode == 0, done.stderr
        assert "No new upgrade operations detected" in done.stdout

        # A table the models don't have is a difference that alembic check reports (so it really compares).
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE stray_table (id INTEGER PRIMARY KEY)"))
        engine.dispose()
        done = alembic(url, "check")
        assert done.returncode != 0 and "stray_table" in done.stderr, done.stderr
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE stray_table"))
        engine.dispose()

        done = alembic(url, "downgrade", "base")
        assert done.returncode == 0, done.stderr
        assert current_revisions(engine) == set()
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
