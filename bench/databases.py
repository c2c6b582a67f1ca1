"""Throwaway databases for the benchmarks: a SQLite file, or a PostgreSQL database dropped afterwards."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A throwaway SQLite file."""
    with tempfile.TemporaryDirectory(prefix="coord_bench_") as folder:
        yield f"sqlite:///{folder}/bench.sqlite3"


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A throwaway database ``coord_bench_<pid>`` on the server of ``server_url``, dropped afterwards."""
    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"coord_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
