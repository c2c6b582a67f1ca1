"""Alembic environment, for ``coord.migrate`` and for the plain ``alembic`` command.

The database comes from, in this order: the connection ``coord.migrate`` hands over
(``config.attributes["connection"]``), a ``sqlalchemy.url`` set on the config, or coord's settings
(``COORD_DATABASE_URL``, default the embedded SQLite file), read when the migrations run.
"""

from __future__ import annotations

import logging

from alembic import context, util
from sqlalchemy import Connection

from coord.db import make_engine
from coord.errors import SettingsError
from coord.migrate import COMPARE_OPTIONS
from coord.models import Base
from coord.settings import load_settings

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    """The URL coord.migrate set on the config, or else the one in coord's settings."""
    # get_section, not get_main_option: the alembic command has no alembic.ini (pyproject.toml instead).
    url = config.get_section(config.config_ini_section, {}).get("sqlalchemy.url")
    if url:
        return url
    try:
        return load_settings().database_url
    except SettingsError as exc:
        raise util.CommandError(f"coord's settings: {exc}") from None


def _show_progress() -> None:
    """From the command line, say which migrations run (coord.migrate's callers keep their own logging)."""
    if config.cmd_opts is None or logging.getLogger().handlers:
        return
    logging.basicConfig(format="%(levelname)-5.5s [%(name)s] %(message)s")
    logging.getLogger("alembic").setLevel(logging.INFO)
    for chatty in ("alembic.runtime.plugins", "alembic.ddl.postgresql"):  # a line per plugin, per sequence
        logging.getLogger(chatty).setLevel(logging.WARNING)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        **COMPARE_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_database_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_show_progress()
if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
