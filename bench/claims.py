"""Benchmark: N concurrent claimers over M tasks, against pgbench on the same database.

Each claimer thread plays a chat handler: one transaction per claim (find the volunteer by chat
account, ``coord.services.claims.claim``, commit). Then SQL counts double bookings (must be 0), and on
PostgreSQL ``pgbench -b simple-update`` runs on the same database with the same client count: on a
shared machine only a ratio measured in the same run is worth comparing. Run: ``python -m bench.claims``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bench.databases import postgres_database, sqlite_database
from coord.clock import utcnow
from coord.db import make_engine, make_session_factory, transaction
from coord.errors import AlreadyClaimed, TaskFull
from coord.migrate import upgrade
from coord.models import HOLDING_STATES
from coord.services.access import Actor
from coord.services.claims import claim
from coord.services.communities import create_community
from coord.services.directory import speaker
from coord.services.people import add_member, add_person, create_team, link_account
from coord.services.tasks import create_task

NETWORK = "telegram"
SETUP = Actor.system("bench")


@dataclass
class Tally:
    """What claimers did: one thread's, or all of them together."""

    claims: int = 0
    rejected: int = 0  # TaskFull or AlreadyClaimed: normal answers, counted apart
    statements: int = 0  # SQL statements sent by the successful claims
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.claims += other.claims
        self.rejected += other.rejected
        self.statements += other.statements
        self.latencies_ms.extend(other.latencies_ms)


@dataclass
class Outcome(Tally):
    """One database's run: the claimers' tally, the checks, and the reference."""

    database: str = ""
    clients: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0  # CPU seconds of this process (every claimer thread) during the run
    double_bookings: int = 0
    pgbench_tps: float | None = None

    @property
    def claims_per_s(self) -> float:
        return self.claims / self.elapsed if self.elapsed else 0.0

    @property
    def rejected_per_s(self) -> float:
        return self.rejected / self.elapsed if self.elapsed else 0.0

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


class OpenTasks:
    """The tasks the claimers believe to have a free slot, shared between threads.

    Every successful claim takes exactly one slot, so counting them here needs no query.
    """

    def __init__(self, task_ids: list[int], capacity: int) -> None:
        self._ids = list(task_ids)
        self._free = dict.fromkeys(task_ids, capacity)
        self._lock = threading.Lock()

    def pick(self, rng: random.Random) -> int | None:
        with self._lock:
            return rng.choice(self._ids) if self._ids else None

    def taken(self, task_id: int) -> None:
        with self._lock:
            self._free[task_id] -= 1
            if self._free[task_id] == 0:
                self._ids.remove(task_id)

    def close(self, task_id: int) -> None:
        with self._lock:
            if task_id in self._ids:
                self._ids.remove(task_id)


class StatementCounter:
    """Counts the SQL statements each thread sends (a SQLAlchemy cursor event)."""

    def __init__(self, engine: Engine) -> None:
        self._local = threading.local()
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self._local.count = self.count + 1

    @property
    def count(self) -> int:
        return int(getattr(self._local, "count", 0))


def claim_once(factory: sessionmaker[Session], account: str, task_id: int) -> None:
    """One chat message "claim <task>": find who wrote (as the chat layer does, with their community),
    claim, commit (or roll back on a refusal)."""
    with transaction(factory) as session:
        found = speaker(session, NETWORK, account, account)
        if found is None:
            raise RuntimeError(f"no person for account {account}")
        claim(session=session, actor=Actor(found.person, NETWORK), task_id=task_id)


@dataclass
class Crowd:
    """What the claimers share: the sessions, the open tasks, the counter and the clock."""

    factory: sessionmaker[Session]
    open_tasks: OpenTasks
    counter: StatementCounter
    clients: int
    people: int
    seconds: float
    start: threading.Barrier = field(init=False)
    began: float = 0.0
    deadline: float = 0.0
    cpu_began: float = 0.0
    errors: list[BaseException] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Every claimer and the caller start together; the clock starts when the last one arrives.
        self.start = threading.Barrier(self.clients + 1, action=self._go)

    def _go(self) -> None:
        self.began, self.cpu_began = time.perf_counter(), time.process_time()
        self.deadline = self.began + self.seconds


def run_claimer(crowd: Crowd, seed: int, tally: Tally) -> None:
    """Claim random open tasks as random volunteers until the deadline or until no task is open."""
    rng = random.Random(seed)
    crowd.start.wait()
    try:
        while time.perf_counter() < crowd.deadline:
            task_id = crowd.open_tasks.pick(rng)
            if task_id is None:
                return
            before, began = crowd.counter.count, time.perf_counter()
            try:
                claim_once(crowd.factory, str(rng.randrange(crowd.people)), task_id)
            except TaskFull:
                tally.rejected += 1
                crowd.open_tasks.close(task_id)
                continue
            except AlreadyClaimed:
                tally.rejected += 1
                continue
            tally.latencies_ms.append((time.perf_counter() - began) * 1000)
            tally.statements += crowd.counter.count - before
            tally.claims += 1
            crowd.open_tasks.taken(task_id)
    except BaseException as exc:  # reported by the main thread: a benchmark must not hide failures
        crowd.errors.append(exc)


def run_claimers(engine: Engine, task_ids: list[int], options: argparse.Namespace, outcome: Outcome) -> None:
    """Start ``options.clients`` claimer threads together and gather what they did."""
    crowd = Crowd(
        factory=make_session_factory(engine),
        open_tasks=OpenTasks(task_ids, options.capacity),
        counter=StatementCounter(engine),
        clients=options.clients,
        people=options.people,
        seconds=options.seconds,
    )
    tallies = [Tally() for _ in range(options.clients)]
    threads = [
        threading.Thread(target=run_claimer, args=(crowd, options.seed + n, tally))
        for n, tally in enumerate(tallies)
    ]
    for thread in threads:
        thread.start()
    crowd.start.wait()
    for thread in threads:
        thread.join()
    outcome.elapsed = time.perf_counter() - crowd.began
    outcome.cpu = time.process_time() - crowd.cpu_began
    if crowd.errors:
        raise RuntimeError(f"a claimer failed: {crowd.errors[0]!r}") from crowd.errors[0]
    for tally in tallies:
        outcome.add(tally)


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


def bench(database: str, url: str, options: argparse.Namespace, console: Console) -> Outcome:
    """Migrate, build the community, run the claimers, count double bookings, then pgbench."""
    outcome = Outcome(database=database, clients=options.clients)
    engine = make_engine(url, pool_size=options.clients)
    try:
        upgrade(engine)
        console.log(f"{database}: building {options.people} volunteers and {options.tasks} tasks")
        sizes = {"people": options.people, "tasks": options.tasks, "capacity": options.capacity}
        task_ids = build_community(make_session_factory(engine), **sizes)
        console.log(f"{database}: {options.clients} claimers for up to {options.seconds} s")
        run_claimers(engine, task_ids, options, outcome)
        problems = count_double_bookings(engine)
        outcome.double_bookings = sum(problems.values())
        if outcome.double_bookings:
            console.log(f"[red]{database}: double bookings found: {problems}[/red]")
    finally:
        engine.dispose()
    if database == "postgresql" and options.pgbench:
        console.log(f"{database}: pgbench -b simple-update -c {options.clients} -T {options.seconds}")
        outcome.pgbench_tps = pgbench_tps(
            url, clients=options.clients, seconds=options.seconds, program=options.pgbench
        )
    return outcome


def table(outcomes: list[Outcome], options: argparse.Namespace) -> Table:
    result = Table(
        title=f"Claims: {options.tasks} tasks × capacity {options.capacity}, {options.people} volunteers",
        caption="latency: one claim transaction, lookup to commit; ratio = claims/s ÷ pgbench TPS",
    )
    for name in ("database", "clients", "claims/s", "rejected/s", "p50 ms", "p99 ms"):
        result.add_column(name, justify="left" if name == "database" else "right")
    for name in ("double bookings", "statements/claim", "client CPU ms/claim", "pgbench TPS", "ratio"):
        result.add_column(name, justify="right")
    for o in outcomes:
        ratio = o.claims_per_s / o.pgbench_tps if o.pgbench_tps else None
        result.add_row(
            o.database,
            str(o.clients),
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
    outcomes = []
    if options.db in ("sqlite", "both"):
        with sqlite_database() as url:
            outcomes.append(bench("sqlite", url, options, console))
    if options.db in ("postgresql", "both"):
        with postgres_database(options.pg_url) as url:
            outcomes.append(bench("postgresql", url, options, console))
    console.print(table(outcomes, options))
    if any(o.double_bookings for o in outcomes):
        console.print("[red]Double bookings found: invariant 4 is broken.[/red]")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
