"""Benchmark: one scheduler tick with 100,000 tasks in the database (target: under 200 ms).

The database holds two months of finished work, two weeks of future shifts whose ladders are armed,
a thousand new shifts not yet armed, and 2,000 pending notifications. The first tick leases what is due
and arms 250 new shifts; the next ticks arm the rest, then find little or nothing. Each tick is the real
one (``workers.scheduler.Scheduler.tick``): a transaction, SKIP LOCKED where there is one, a commit.
Run: ``python -m bench.tick [--db sqlite|postgresql|both] [--tasks 100000]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bench.common import (
    Population,
    Stopwatch,
    add_database_options,
    analyze,
    build_population,
    bulk_insert,
    each_database,
    open_database,
    percentile,
    print_table,
    shift_row,
)
from coord.clock import FrozenClock, utcnow
from coord.db import transaction
from coord.models import LADDER_FINISHED, EscalationPolicy, Notification, Task
from coord.services.escalation.ladder import default_rungs, freeze
from coord.services.schedule.tick import Dispatch
from workers.leader import LocalLeaderLock
from workers.scheduler import Scheduler


def populate(
    factory: Any, population: Population, *, tasks: int, fresh: int, notifications: int, now: Any
) -> None:
    rng = random.Random(2)
    policy = EscalationPolicy(id=0, steps=[r.to_json() for r in default_rungs("gate_shift", "normal")])
    rows = []
    for n in range(tasks):
        team = population.team_ids[n % len(population.team_ids)]
        if n < tasks * 0.85:  # finished work of the last two months
            start = now - timedelta(hours=rng.uniform(2, 24 * 60))
            rows.append(
                shift_row(
                    population,
                    team=team,
                    start=start,
                    hours=4,
                    capacity=2,
                    created=start - timedelta(days=1),
                    filled=2,
                    status="done",
                    escalation_step=LADDER_FINISHED,
                )
            )
            continue
        start = now + timedelta(hours=rng.uniform(0.1, 24 * 14))
        row = shift_row(
            population, team=team, start=start, hours=4, capacity=2, created=now - timedelta(days=1)
        )
        if n < tasks - fresh:  # armed: the ladder points at its first rung
            snapshot = freeze(
                Task(starts_at=start, ends_at=start + timedelta(hours=4), created_at=row["created_at"]),
                policy,
            )
            row.update(escalation_policy=snapshot, escalation_due_at=start - timedelta(hours=2))
        rows.append(row)
    people = population.volunteers
    notes = [
        {
            "community_id": population.community_id,
            "dedupe_key": f"bench:{n}",
            "person_id": people[n % len(people)],
            "msgid": "Hello",
            "params": {},
            "buttons": [],
            "private": False,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now - timedelta(seconds=5),
            "created_at": now,
            "last_error": "",
        }
        for n in range(notifications)
    ]
    with transaction(factory) as session:
        bulk_insert(session, Task, rows)
        bulk_insert(session, Notification, notes)


def measure(url: str, *, tasks: int, ticks: int) -> dict[str, Any]:
    engine, factory = open_database(url)
    now = utcnow().replace(microsecond=0)
    population = build_population(factory, volunteers=2400, teams=8, now=now)
    populate(factory, population, tasks=tasks, fresh=1000, notifications=2000, now=now)
    analyze(engine)
    sent: list[Dispatch] = []
    clock = FrozenClock(now)
    scheduler = Scheduler(factory, clock=clock, enqueue=sent.append, leader=LocalLeaderLock(url))
    first = scheduler.tick()
    steady = []
    for _ in range(ticks):
        clock.advance(timedelta(seconds=2))
        with Stopwatch() as watch:
            scheduler.tick()
        steady.append(watch.ms)
    with factory() as session:
        total = session.scalar(select(func.count()).select_from(Task))
    engine.dispose()
    return {
        "tasks": total,
        "first_ms": first.seconds * 1000,
        "first": dict(first.dispatched),
        "p50": statistics.median(steady),
        "p95": percentile(steady, 0.95),
        "max": max(steady),
        "dispatched": len(sent),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--ticks", type=int, default=30)
    args = parser.parse_args()
    rows = []
    for kind, url in each_database(args):
        result = measure(url, tasks=args.tasks, ticks=args.ticks)
        first = ", ".join(f"{k} {v}" for k, v in sorted(result["first"].items()))
        rows.append(
            (
                kind,
                f"{result['tasks']:,}",
                f"{result['first_ms']:.0f}",
                first,
                f"{result['p50']:.1f}",
                f"{result['p95']:.1f}",
                f"{result['max']:.1f}",
            )
        )
    print_table(
        f"Scheduler tick, {args.tasks:,} tasks (target < 200 ms)",
        (
            "database",
            "tasks",
            "first tick ms",
            "first tick dispatched",
            "next ticks p50 ms",
            "p95 ms",
            "max ms",
        ),
        rows,
    )


if __name__ == "__main__":
    main()
