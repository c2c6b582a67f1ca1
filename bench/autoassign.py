"""Benchmark: auto-assign 1,000 shifts among 2,400 volunteers (target: under 2 s).

Eight teams of 300; 1,000 gate shifts over the next week (one to three places each, a tenth needing a
medic), and some hours already served this week. One call of ``coord.services.work.autoassign.auto_assign``
fills them in one transaction (timed with its commit); then every rule is checked from the database:
team, skills, no overlap, rest kept, the cap on open claims. Run: ``python -m bench.autoassign``.
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from bench.common import (
    Population,
    Stopwatch,
    add_database_options,
    analyze,
    build_population,
    bulk_insert,
    each_database,
    open_database,
    print_table,
    shift_row,
)
from coord.clock import utcnow
from coord.db import transaction
from coord.models import Assignment, Membership, Person, Task
from coord.services.work.autoassign import RosterRules, auto_assign


def served_this_week(factory: Any, population: Population, now: datetime, rng: random.Random) -> None:
    """Past shifts, done, so that people start the week with different hours."""
    week_start = now - timedelta(hours=now.hour, minutes=now.minute)
    with transaction(factory) as session:
        rows = [
            shift_row(
                population,
                team=population.team_ids[n % 8],
                start=week_start - timedelta(hours=20 - n % 6),
                hours=3,
                capacity=3,
                created=week_start - timedelta(days=2),
                filled=3,
                status="done",
            )
            for n in range(300)
        ]
        ids = bulk_insert(session, Task, rows)
        slots = []
        for task_id, row in zip(ids, rows, strict=True):
            for person in rng.sample(population.volunteers, 3):
                slots.append(
                    {
                        "task_id": task_id,
                        "person_id": person,
                        "state": "done",
                        "claimed_at": row["created_at"],
                        "checked_in_at": row["starts_at"],
                        "ended_at": row["ends_at"],
                        "figures": {},
                        "note": "",
                    }
                )
        bulk_insert(session, Assignment, slots)


def open_shifts(
    factory: Any, population: Population, now: datetime, rng: random.Random, count: int
) -> list[int]:
    rows = []
    for n in range(count):
        day, slot = divmod(n // len(population.team_ids), 4)
        start = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=day % 7, hours=3 + 6 * slot)
        rows.append(
            shift_row(
                population,
                team=population.team_ids[n % 8],
                start=start,
                hours=4,
                capacity=rng.choice([1, 2, 3]),
                created=now,
                skills=["medic"] if n % 10 == 0 else [],
            )
        )
    with transaction(factory) as session:
        return bulk_insert(session, Task, rows)


def violations(factory: Any, task_ids: list[int], rules: RosterRules) -> Counter[str]:
    """Every broken rule, counted from the database."""
    found: Counter[str] = Counter()
    wanted = set(task_ids)
    with factory() as session:
        teams = defaultdict(set)
        for team_id, person_id in session.execute(select(Membership.team_id, Membership.person_id)):
            teams[person_id].add(team_id)
        skills = dict(session.execute(select(Person.id, Person.skills)).tuples().all())
        held = session.execute(
            select(
                Assignment.person_id,
                Assignment.state,
                Task.id,
                Task.team_id,
                Task.skills,
                Task.starts_at,
                Task.ends_at,
                Task.capacity,
                Task.filled,
            )
            .join(Task, Task.id == Assignment.task_id)
            .where(Assignment.state.in_(["claimed", "checked_in", "done"]))
        ).all()
    windows: dict[int, list[tuple[datetime, datetime, bool]]] = defaultdict(list)
    for person, _state, task_id, team, needed, start, end, capacity, filled in held:
        windows[person].append((start, end, task_id in wanted))
        if task_id in wanted:
            found["wrong team"] += team not in teams[person]
            found["missing skill"] += not set(needed) <= set(skills[person] or [])
            found["over capacity"] += filled > capacity
    for spans in windows.values():
        for a, b in itertools.combinations(sorted(spans), 2):
            found["rest not kept"] += (a[2] or b[2]) and b[0] < a[1] + rules.rest
    open_claims = Counter(p for p, state, *_ in held if state == "claimed")
    found["over the cap"] = sum(c > rules.max_open_claims for c in open_claims.values())
    return found


def measure(url: str, *, tasks: int, volunteers: int) -> dict[str, Any]:
    rng = random.Random(3)
    engine, factory = open_database(url)
    now = utcnow().replace(second=0, microsecond=0)
    population = build_population(factory, volunteers=volunteers, teams=8, now=now - timedelta(days=3))
    served_this_week(factory, population, now, rng)
    task_ids = open_shifts(factory, population, now, rng, tasks)
    analyze(engine)
    rules = RosterRules()
    with Stopwatch() as watch, transaction(factory) as session:
        given = auto_assign(session=session, task_ids=task_ids, now=now, rules=rules)
    with factory() as session:
        slots = session.scalar(select(text("sum(capacity)")).select_from(Task).where(Task.id.in_(task_ids)))
    per_person = Counter(a.person_id for a in given)
    engine.dispose()
    return {
        "slots": slots,
        "filled": len(given),
        "seconds": watch.seconds,
        "people": len(per_person),
        "most": max(per_person.values(), default=0),
        "broken": violations(factory, task_ids, rules),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    parser.add_argument("--tasks", type=int, default=1_000)
    parser.add_argument("--volunteers", type=int, default=2_400)
    args = parser.parse_args()
    rows = []
    for kind, url in each_database(args):
        r = measure(url, tasks=args.tasks, volunteers=args.volunteers)
        broken = ", ".join(f"{k} {v}" for k, v in r["broken"].items() if v) or "none"
        rows.append(
            (
                kind,
                f"{r['slots']:,}",
                f"{r['filled']:,}",
                f"{r['people']:,}",
                str(r["most"]),
                f"{r['seconds']:.2f}",
                broken,
            )
        )
    print_table(
        f"Auto-assign {args.tasks:,} shifts among {args.volunteers:,} volunteers (target < 2 s)",
        ("database", "places", "filled", "volunteers used", "most shifts each", "seconds", "rules broken"),
        rows,
        left=("rules broken",),
    )


if __name__ == "__main__":
    main()
