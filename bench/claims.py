"""Benchmark: a burst of claims, 1,000 people over 200 shifts, through coord's own claim.

Every person sends one claim for a shift picked at random, and a share of them (``--double-taps``) send
the same claim twice in a row, as a double tap would. ``--threads`` threads serve the claims from one queue,
all starting together, each claim one transaction as the chat layer makes it: who wrote
(``coord.services.people.directory.speaker``), ``coord.services.work.claims.claim``, commit. A refusal
(the shift is full, the person holds a slot of it already) is a normal answer, counted apart. After the
burst the database is checked: a double booking is a shift whose ``filled`` or whose holding slots exceed
its capacity, or a person holding two slots of one shift; any makes the run exit 1.
Run: ``python -m bench.claims [--db sqlite|postgresql|both] [--people 1000] [--shifts 200]``.
"""

from __future__ import annotations

import argparse
import queue
import random
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bench.common import (
    NETWORK,
    Population,
    Stopwatch,
    add_database_options,
    build_population,
    bulk_insert,
    each_database,
    open_database,
    percentile,
    positive,
    print_table,
    shift_row,
)
from coord.clock import utcnow
from coord.db import transaction
from coord.errors import AlreadyClaimed, TaskFull
from coord.models import HOLDING_STATES, Task
from coord.services.people.access import Actor
from coord.services.people.directory import speaker
from coord.services.work.claims import claim


@dataclass
class Burst:
    """What the claimers did, and what the database holds afterwards."""

    database: str
    requests: int = 0
    taken: int = 0
    full: int = 0
    already: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # every request, taken or refused
    seconds: float = 0.0
    checks: dict[str, int] = field(default_factory=dict)

    @property
    def double_bookings(self) -> int:
        return self.checks["over_capacity"] + self.checks["same_person_twice"]

    @property
    def consistent(self) -> bool:
        """The shifts' counts agree with their slots, and every claim answered "taken" holds a slot."""
        return self.checks["filled_disagrees"] == 0 and self.checks["held"] == self.taken


def build(factory: sessionmaker[Session], options: argparse.Namespace) -> tuple[Population, list[int]]:
    """``--people`` volunteers with chat accounts, and ``--shifts`` open shifts over the next three days."""
    now = utcnow()
    population = build_population(factory, volunteers=options.people, teams=4, now=now)
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    rows = [
        shift_row(
            population,
            team=population.team_ids[n % len(population.team_ids)],
            start=start + timedelta(hours=n % 72),
            hours=4,
            capacity=options.capacity,
            created=now,
        )
        for n in range(options.shifts)
    ]
    with transaction(factory) as session:
        return population, bulk_insert(session, Task, rows)


def requests(population: Population, shifts: list[int], options: argparse.Namespace) -> list[tuple[str, int]]:
    """(chat user id, shift) of every claim in the order sent: people in random order, each with a shift
    picked at random; a double tap is the same claim twice in a row."""
    rng = random.Random(options.seed)
    people = list(population.volunteers)
    rng.shuffle(people)
    sent = []
    for person in people:
        request = (str(person), rng.choice(shifts))
        sent += [request, request] if rng.random() < options.double_taps else [request]
    return sent


def claim_once(factory: sessionmaker[Session], account: str, task_id: int) -> str:
    """The chat message "claim <task>" from ``account``, as the chat layer handles it, in one transaction:
    who wrote, the claim, commit. Its outcome: taken, full or already."""
    try:
        with transaction(factory) as session:
            found = speaker(session, NETWORK, account, account)
            if found is None:
                raise RuntimeError(f"no person for account {account}")
            claim(session=session, actor=Actor(found.person, NETWORK), task_id=task_id)
    except TaskFull:
        return "full"
    except AlreadyClaimed:
        return "already"
    return "taken"


def burst(database: str, factory: sessionmaker[Session], sent: list[tuple[str, int]], threads: int) -> Burst:
    """``threads`` claimers take the requests from one queue until it is empty."""
    result = Burst(database, requests=len(sent))
    waiting: queue.SimpleQueue[tuple[str, int]] = queue.SimpleQueue()
    for request in sent:
        waiting.put(request)
    lock = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(threads + 1)

    def claimer() -> None:
        outcomes: Counter[str] = Counter()
        latencies = []
        start.wait()
        try:
            while True:
                try:
                    account, task_id = waiting.get_nowait()
                except queue.Empty:
                    break
                with Stopwatch() as watch:
                    outcome = claim_once(factory, account, task_id)
                outcomes[outcome] += 1
                latencies.append(watch.ms)
        except BaseException as exc:  # reported below: a benchmark must not hide failures
            errors.append(exc)
        with lock:
            result.taken += outcomes["taken"]
            result.full += outcomes["full"]
            result.already += outcomes["already"]
            result.latencies_ms += latencies

    workers = [threading.Thread(target=claimer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    with Stopwatch() as watch:
        start.wait()
        for worker in workers:
            worker.join()
    result.seconds = watch.seconds
    if errors:
        raise RuntimeError(f"a claimer failed: {errors[0]!r}") from errors[0]
    return result


_HOLDING = ", ".join(f"'{state.value}'" for state in HOLDING_STATES)
CHECKS = text(
    f"""
    WITH holding AS (SELECT task_id, person_id FROM assignment WHERE state IN ({_HOLDING})),
    per_task AS (
        SELECT task.id, task.capacity, task.filled, COUNT(holding.task_id) AS held
        FROM task LEFT JOIN holding ON holding.task_id = task.id
        GROUP BY task.id, task.capacity, task.filled
    )
    SELECT
        (SELECT COUNT(*) FROM per_task WHERE filled > capacity OR held > capacity) AS over_capacity,
        (SELECT COUNT(*) FROM (
            SELECT task_id, person_id FROM holding GROUP BY task_id, person_id HAVING COUNT(*) > 1
        ) AS twice) AS same_person_twice,
        (SELECT COUNT(*) FROM per_task WHERE held <> filled) AS filled_disagrees,
        (SELECT COUNT(*) FROM holding) AS held
    """
)


def check(engine: Engine) -> dict[str, int]:
    """From the database: shifts over capacity (by ``filled`` or by slots), (shift, person) pairs holding
    two slots, shifts whose ``filled`` disagrees with their slots, and slots held in all."""
    with engine.connect() as conn:
        row = conn.execute(CHECKS).one()
    return {name: int(value) for name, value in row._mapping.items()}


def measure(database: str, url: str, options: argparse.Namespace) -> Burst:
    engine, factory = open_database(url, pool_size=options.threads)
    try:
        population, shifts = build(factory, options)
        sent = requests(population, shifts, options)
        result = burst(database, factory, sent, options.threads)
        result.checks = check(engine)
    finally:
        engine.dispose()
    return result


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.claims", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=positive, default=1000, help="volunteers, one claim each")
    parser.add_argument("--shifts", type=positive, default=200, help="open shifts")
    parser.add_argument("--capacity", type=positive, default=5, help="places per shift")
    parser.add_argument("--threads", type=positive, default=16, help="concurrent claimers")
    parser.add_argument(
        "--double-taps", type=float, default=0.1, help="share of people who send their claim twice"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the people's picks")
    add_database_options(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    results = [measure(database, url, options) for database, url in each_database(options)]
    print_table(
        f"Claims: {options.people:,} people over {options.shifts:,} shifts × {options.capacity} places,"
        f" {options.threads} threads",
        (
            "database",
            "requests",
            "taken",
            "refused: full",
            "refused: already",
            "claims/s",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "double bookings",
        ),
        [
            (
                r.database,
                f"{r.requests:,}",
                f"{r.taken:,}",
                f"{r.full:,}",
                f"{r.already:,}",
                f"{r.taken / r.seconds:,.0f}",
                f"{r.requests / r.seconds:,.0f}",
                f"{percentile(r.latencies_ms, 0.50):.1f}",
                f"{percentile(r.latencies_ms, 0.99):.1f}",
                f"[{'red' if r.double_bookings else 'green'}]{r.double_bookings}[/]",
            )
            for r in results
        ],
        caption="claims/s: claims taken per second of the burst; latency: every request, taken or refused,"
        " from the lookup of who wrote to the commit",
    )
    failed = False
    for r in results:
        if r.double_bookings or not r.consistent:
            print(f"{r.database}: the database disagrees with the claims: {r.checks}, taken {r.taken}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
