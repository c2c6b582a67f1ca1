"""Benchmark: N concurrent claimers over M tasks, against pgbench on the same database.

Each claimer thread plays a chat handler: one transaction per claim (find the volunteer by chat
account as the chat layer does, ``coord.services.work.claims.claim``, commit). The claimers run as threads of
one process, or spread over several processes (``--processes 1 2``: one row each), as several chat
adapter instances would. On PostgreSQL a reference row sends the same claim as two bare psycopg
statements (``--reference``): the most a Python client could do here; and two yardstick rows: the least
any claim through a SQLAlchemy ORM session costs (``orm-floor``), and the slot alone in one statement
with no rules (``one-statement``). Then SQL counts double bookings
(must be 0), and ``pgbench -b simple-update`` runs on the same server with the same client count: on a
shared machine only ratios measured in the same run are worth comparing. Run: ``python -m bench.claims``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bench.claimers import NETWORK, Plan, Tally, run
from bench.databases import postgres_database, sqlite_database
from coord.clock import utcnow
from coord.db import make_engine, make_session_factory, transaction
from coord.migrate import upgrade
from coord.models import HOLDING_STATES
from coord.services.people.access import Actor
from coord.services.people.communities import create_community
from coord.services.people.people import add_member, add_person, create_team, link_account
from coord.services.work.tasks import create_task

SETUP = Actor.system("bench")


@dataclass
class Outcome(Tally):
    """One timed run: the claimers' tally, the checks, and the reference."""

    database: str = ""
    clients: int = 0
    processes: int = 1
    claimer: str = "coord"
    double_bookings: int = 0
    pgbench_tps: float | None = None

    @property
    def elapsed(self) -> float:
        return self.ended - self.began

    @property
    def claims_per_s(self) -> float:
        return self.claims / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def rejected_per_s(self) -> float:
        return self.rejected / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def cpu_ms_per_attempt(self) -> float:
        attempts = self.claims + self.rejected
        return self.cpu * 1000 / attempts if attempts else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def build_community(factory: sessionmaker[Session], *, people: int, tasks: int, capacity: int) -> list[int]:
    """A community with ``people`` volunteers linked to chat accounts and ``tasks`` open gate shifts."""
    start = utcnow() + timedelta(days=1)
    with transaction(factory) as session:
        community = create_community(session=session, actor=SETUP, name="Bench Community", slug="bench")
        team = create_team(session=session, actor=SETUP, community=community, name="Gate duty")
        for n in range(people):
            person = add_person(session=session, actor=SETUP, community=community, name=f"Volunteer {n}")
            add_member(session=session, actor=SETUP, team=team, person=person)
            link_account(session=session, actor=SETUP, person=person, network=NETWORK, external_id=str(n))
        task_ids = []
        for n in range(tasks):
            begins = start + timedelta(hours=n % 72)
            task = create_task(
                session=session,
                actor=SETUP,
                community=community,
                kind="gate_shift",
                title=f"Gate shift {n}",
                team=team,
                starts_at=begins,
                ends_at=begins + timedelta(hours=4),
                capacity=capacity,
            )
            task_ids.append(task.id)
    return task_ids


_HOLDING = ", ".join(f"'{state.value}'" for state in HOLDING_STATES)
DOUBLE_BOOKINGS = text(
    f"""
    WITH holding AS (SELECT task_id, person_id FROM assignment WHERE state IN ({_HOLDING})),
    per_task AS (
        SELECT task.id, task.capacity, task.filled, COUNT(holding.task_id) AS held
        FROM task LEFT JOIN holding ON holding.task_id = task.id
        GROUP BY task.id, task.capacity, task.filled
    )
    SELECT
        (SELECT COUNT(*) FROM per_task WHERE held > capacity) AS over_capacity,
        (SELECT COUNT(*) FROM per_task WHERE held <> filled) AS filled_disagrees,
        (SELECT COUNT(*) FROM (
            SELECT task_id, person_id FROM holding GROUP BY task_id, person_id HAVING COUNT(*) > 1
        ) AS twice) AS same_person_twice
    """
)


def count_double_bookings(engine: Engine) -> dict[str, int]:
    """Tasks over capacity, tasks whose ``filled`` disagrees with their slots, people holding two slots."""
    with engine.connect() as conn:
        row = conn.execute(DOUBLE_BOOKINGS).one()
    return {name: int(value) for name, value in row._mapping.items()}


def pgbench_tps(database_url: str, *, clients: int, seconds: int, program: str) -> float:
    """TPS of ``pgbench -b simple-update`` on the database of ``database_url``, after ``pgbench -i``."""
    url = make_url(database_url)
    host, port, user = url.host or "127.0.0.1", str(url.port or 5432), url.username or "postgres"
    target = ["-h", host, "-p", port, "-U", user, str(url.database)]  # the database name comes last
    env = dict(os.environ, PGPASSWORD=url.password) if url.password else None
    subprocess.run([program, "-i", "-q", *target], env=env, check=True, capture_output=True)
    threads = str(max(1, min(2, clients)))
    run = [program, "-b", "simple-update", "-c", str(clients), "-j", threads, "-T", str(seconds), *target]
    done = subprocess.run(run, env=env, check=True, capture_output=True, text=True)
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
    found = found or re.search(r"tps = ([0-9.]+)", done.stdout)
    if found is None:
        raise RuntimeError(f"cannot read the TPS in pgbench's output:\n{done.stdout}")
    return float(found.group(1))


def bench(database: str, url: str, plan: Plan, options: argparse.Namespace, console: Console) -> Outcome:
    """Migrate a fresh database, build the community, run the claimers, count double bookings."""
    outcome = Outcome(database=database, clients=plan.clients, processes=plan.processes, claimer=plan.kind)
    engine = make_engine(url, pool_size=2)
    try:
        upgrade(engine)
        console.log(f"{database}: building {options.people} volunteers and {options.tasks} tasks")
        sizes = {"people": options.people, "tasks": options.tasks, "capacity": options.capacity}
        task_ids = build_community(make_session_factory(engine), **sizes)
        engine.dispose()  # nothing open when the claimer processes fork
        console.log(
            f"{database}: {plan.clients} {plan.kind} claimers in {plan.processes} process(es)"
            f" for up to {plan.seconds} s"
        )
        outcome.add(run(plan, task_ids))
        problems = count_double_bookings(engine)
        outcome.double_bookings = sum(problems.values())
        if outcome.double_bookings:
            console.log(f"[red]{database}: double bookings found: {problems}[/red]")
    finally:
        engine.dispose()
    return outcome


def plans(database: str, url: str, options: argparse.Namespace) -> list[Plan]:
    """The runs for one database: coord's claim in each process count, then the bare psycopg reference."""
    references = (
        ["orm-floor", "psycopg", "one-statement"] if database == "postgresql" and options.reference else []
    )
    kinds = ["coord", *references]
    return [
        Plan(
            kind,
            url,
            options.clients,
            processes,
            options.capacity,
            options.people,
            options.seconds,
            options.seed,
        )
        for kind in kinds
        for processes in options.processes
    ]


def table(outcomes: list[Outcome], options: argparse.Namespace) -> Table:
    result = Table(
        title=f"Claims: {options.tasks} tasks × capacity {options.capacity}, {options.people} volunteers",
        caption="latency: one claim transaction, lookup to commit; ratio = claims/s ÷ pgbench TPS",
    )
    for name in ("database", "claimer", "clients", "claims/s", "rejected/s", "p50 ms", "p99 ms"):
        result.add_column(name, justify="left" if name in ("database", "claimer") else "right")
    for name in ("double bookings", "statements/claim", "client CPU ms/claim", "pgbench TPS", "ratio"):
        result.add_column(name, justify="right")
    for o in outcomes:
        ratio = o.claims_per_s / o.pgbench_tps if o.pgbench_tps else None
        result.add_row(
            o.database,
            o.claimer,
            f"{o.clients} in {o.processes} process" + ("es" if o.processes > 1 else ""),
            f"{o.claims_per_s:,.0f}",
            f"{o.rejected_per_s:,.1f}",
            f"{o.percentile(0.50):.1f}",
            f"{o.percentile(0.99):.1f}",
            f"[{'red' if o.double_bookings else 'green'}]{o.double_bookings}[/]",
            f"{o.statements / o.claims:.1f}" if o.claims else "—",
            f"{o.cpu_ms_per_attempt:.1f}",
            f"{o.pgbench_tps:,.0f}" if o.pgbench_tps else "—",
            f"{ratio:.2f}" if ratio is not None else "—",
        )
    return result


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.claims", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=_positive, default=16, help="concurrent claimers (N)")
    parser.add_argument("--tasks", type=_positive, default=2000, help="open tasks (M)")
    parser.add_argument("--capacity", type=_positive, default=2, help="slots per task")
    parser.add_argument("--people", type=_positive, default=200, help="volunteers who claim")
    parser.add_argument("--seconds", type=_positive, default=10, help="length of each timed run")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--pg-url",
        default="postgresql://postgres@127.0.0.1/test",
        help="any database on the server; a throwaway database is created beside it",
    )
    parser.add_argument("--pgbench", default=shutil.which("pgbench"), help="the pgbench program")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the claimers")
    parser.add_argument(
        "--processes",
        type=_positive,
        nargs="+",
        default=[1, 2],
        help="processes the claimers are spread over",
    )
    parser.add_argument(
        "--reference",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the same claim through bare psycopg, and the slot alone in one statement (PostgreSQL)",
    )
    return parser.parse_args(argv)


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    console = Console()
    if options.db != "sqlite" and not options.pgbench:
        console.log("[yellow]pgbench not found: the PostgreSQL row has no reference figure[/yellow]")
    outcomes: list[Outcome] = []
    if options.db in ("sqlite", "both"):
        for plan in plans("sqlite", "", options):
            with sqlite_database() as url:
                plan.url = url
                outcomes.append(bench("sqlite", url, plan, options, console))
    if options.db in ("postgresql", "both"):
        for plan in plans("postgresql", "", options):
            with postgres_database(options.pg_url) as url:
                plan.url = url
                outcomes.append(bench("postgresql", url, plan, options, console))
        if options.pgbench:
            with postgres_database(options.pg_url) as url:
                console.log(f"pgbench -b simple-update -c {options.clients} -T {options.seconds}")
                tps = pgbench_tps(
                    url, clients=options.clients, seconds=options.seconds, program=options.pgbench
                )
            for outcome in outcomes:
                if outcome.database == "postgresql":
                    outcome.pgbench_tps = tps
    console.print(table(outcomes, options))
    if any(o.double_bookings for o in outcomes):
        console.print("[red]Double bookings found: invariant 4 is broken.[/red]")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
