"""What the benchmarks share: their database options and throwaway databases, building large communities,
timing, percentiles and printing a table.

Large communities are built with services for the small parts (the community, its teams, the coordinator)
and one multi-row INSERT per table for volume (people, memberships, chat accounts, tasks), every row valid
for the models.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from coord.chat import Inbound
from coord.db import make_engine, make_session_factory, transaction
from coord.migrate import upgrade
from coord.models import ChatAccount, Community, Membership, Person, Team, TeamRole
from coord.services.people.access import Actor
from coord.services.people.communities import create_community
from coord.services.people.people import add_person, create_team, make_coordinator
from coord.services.work.tasks import create_task

SETUP = Actor.system("bench")
NETWORK = "fake"  # the chat network of the people build_population makes
CHUNK = 5_000

# ---------------------------------------------------------------------------------------------------------
# Options and databases


def add_database_options(parser: argparse.ArgumentParser, *, default: str = "both") -> None:
    """``--db sqlite|postgresql|both`` and ``--pg-url``. Without ``--pg-url`` the PostgreSQL server is
    ``$COORD_BENCH_PG_URL`` or else ``$COORD_TEST_DATABASE_URL``; with neither, no PostgreSQL run."""
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default=default)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("COORD_BENCH_PG_URL") or os.environ.get("COORD_TEST_DATABASE_URL"),
        help="any database on the PostgreSQL server; each run gets a throwaway database beside it",
    )


def add_redis_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url", default=os.environ.get("COORD_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    )


def positive(raw: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def database_kinds(options: argparse.Namespace) -> list[str]:
    """The databases ``--db`` asks for; PostgreSQL only with a server to run on."""
    kinds = ["sqlite", "postgresql"] if options.db == "both" else [options.db]
    if "postgresql" in kinds and not options.pg_url:
        if options.db == "postgresql":
            raise SystemExit("--db postgresql needs --pg-url (or $COORD_TEST_DATABASE_URL)")
        print("No PostgreSQL server given (--pg-url or $COORD_TEST_DATABASE_URL): SQLite only.")
        kinds.remove("postgresql")
    return kinds


def each_database(options: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """(kind, url) of a fresh throwaway database for each database ``--db`` asks for, in turn."""
    for kind in database_kinds(options):
        with throwaway_database(kind, options.pg_url) as url:
            yield kind, url


@contextmanager
def throwaway_database(kind: str, pg_url: str | None = None) -> Iterator[str]:
    """A SQLite file in a temporary folder, or a database ``coord_bench_…`` on the server of ``pg_url``,
    dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="coord_bench_") as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    assert pg_url, "a PostgreSQL run needs a server URL"
    url = make_url(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
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


def open_database(url: str, *, pool_size: int = 10) -> tuple[Engine, sessionmaker[Session]]:
    """coord's engine on ``url`` with the schema migrated to the head, and its session factory."""
    engine = make_engine(url, pool_size=pool_size)
    upgrade(engine)
    return engine, make_session_factory(engine)


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after a bulk load."""
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


# ---------------------------------------------------------------------------------------------------------
# Communities


@dataclass
class Population:
    community_id: int
    team_ids: list[int]
    volunteers: list[int] = field(default_factory=list)
    team_of: dict[int, int] = field(default_factory=dict)
    coordinator_id: int = 0


def build_population(
    factory: sessionmaker[Session], *, volunteers: int, teams: int, now: datetime, seed: int = 1
) -> Population:
    """A community with ``teams`` teams (a captain each) and ``volunteers`` volunteers, spread over the
    teams, each with a chat account on ``NETWORK`` whose user id is their person id."""
    rng = random.Random(seed)
    with transaction(factory) as session:
        community = create_community(
            session=session, actor=SETUP, name="Bench Community", slug=f"bench-{seed}"
        )
        team_ids = [
            create_team(session=session, actor=SETUP, community=community, name=f"Team {n}").id
            for n in range(teams)
        ]
        coordinator = add_person(session=session, actor=SETUP, community=community, name="Coordinator")
        make_coordinator(session=session, actor=SETUP, person=coordinator)
        population = Population(community.id, team_ids, coordinator_id=coordinator.id)
        people = [
            {
                "community_id": community.id,
                "name": f"Volunteer {n}",
                "phone": "",
                "language": rng.choice(["en", "zh"]),
                "skills": ["medic"] if n % 10 == 0 else [],
                "active": True,
                "created_at": now,
            }
            for n in range(volunteers + teams)
        ]
        ids = bulk_insert(session, Person, people)
        captains, population.volunteers = ids[:teams], ids[teams:]
        members = [
            {"team_id": t, "person_id": p, "role": TeamRole.CAPTAIN, "joined_at": now}
            for t, p in zip(team_ids, captains, strict=True)
        ]
        for n, person_id in enumerate(population.volunteers):
            population.team_of[person_id] = team_ids[n % teams]
            members.append(
                {
                    "team_id": team_ids[n % teams],
                    "person_id": person_id,
                    "role": TeamRole.VOLUNTEER,
                    "joined_at": now,
                }
            )
        bulk_insert(session, Membership, members)
        accounts = [
            {
                "person_id": p,
                "network": NETWORK,
                "external_id": str(p),
                "display_name": "",
                "dm_chat_id": f"chat{p}",
                "linked_at": now,
            }
            for p in [*ids, coordinator.id]
        ]
        bulk_insert(session, ChatAccount, accounts)
    return population


def bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in chunks; returns the new ids in order."""
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        ids += list(session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), chunk))
    return ids


def shift_row(
    population: Population,
    *,
    team: int,
    start: datetime,
    hours: float,
    capacity: int,
    created: datetime,
    **extra: Any,
) -> dict[str, Any]:
    """An open gate shift as a row for ``bulk_insert(Task)``."""
    return {
        "community_id": population.community_id,
        "kind": "gate_shift",
        "title": f"Gate {start:%m-%d %H:%M}",
        "public_details": "",
        "private_details": "",
        "team_id": team,
        "priority": "normal",
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        "capacity": capacity,
        "filled": 0,
        "status": "open",
        "skills": [],
        "created_at": created,
        "escalation_step": 0,
        "escalation_token": 0,
        **extra,
    }


def add_deliveries(
    session: Session, community: Community, team: Team, count: int, *, now: datetime
) -> list[int]:
    """``count`` open deliveries for ``team``, due in six hours, made through the service; their ids."""
    return [
        create_task(
            session=session,
            actor=SETUP,
            community=community,
            kind="delivery",
            title=f"送菜上门 {n}",
            team=team,
            due_at=now + timedelta(hours=6),
            now=now,
        ).id
        for n in range(count)
    ]


def private_message(user: str, text: str, network: str = "telegram") -> Inbound:
    """What an adapter hands the chat layer when ``user`` writes ``text`` to the bot in private."""
    return Inbound(
        network=network, user_id=user, display_name=user, chat_id=user, is_private_chat=True, text=text
    )


# ---------------------------------------------------------------------------------------------------------
# Timing, percentiles, tables


class Stopwatch:
    """``with Stopwatch() as watch: …``, then ``watch.seconds`` or ``watch.ms`` (``time.perf_counter``)."""

    began: float = 0.0
    seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self.began = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.began

    @property
    def ms(self) -> float:
        return self.seconds * 1000


def median_seconds(work: Callable[[], object], runs: int) -> float:
    """The median of ``runs`` timings of ``work()``, in seconds."""
    timings = []
    for _ in range(runs):
        with Stopwatch() as watch:
            work()
        timings.append(watch.seconds)
    return statistics.median(timings)


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q`` quantile of ``values`` by nearest rank (``q`` = 0.99: p99); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    left: Iterable[str] = (),
    caption: str | None = None,
    width: int = 160,
) -> None:
    """Print a table: the first column and those named in ``left`` left-aligned, the rest right-aligned."""
    aligned_left = {columns[0], *left}
    table = Table(title=title, caption=caption)
    for column in columns:
        table.add_column(column, justify="left" if column in aligned_left else "right")
    for row in rows:
        table.add_row(*row)
    Console(width=width).print(table)
