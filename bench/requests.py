"""Benchmark: the group-buy cut-off for 3,000 households with 1,600 open requests (target: runs in under 2 s).

A community of 14 buildings and 3,000 households holds 1,600 requests received during the day (a third from
residents in chat, who are told their request is accepted; the rest from the desk and captains). The cut-off
is the real duty: the tick plans and leases its row, then ``run_cutoff`` makes one run per building (a buy
task with the totals, a delivery task with the pick list), puts every request on its run with an event, and
writes the residents' messages; timed from the lease to the commit.
Run: ``python -m bench.requests [--db sqlite|postgresql|both] [--households 3000] [--requests 1600]``.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bench.common import (
    SETUP,
    Stopwatch,
    add_database_options,
    analyze,
    build_population,
    bulk_insert,
    each_database,
    open_database,
    print_table,
)
from coord.db import transaction
from coord.models import Community, Event, Household, HouseholdRequest, Notification, PlaceKind, RequestRun
from coord.services.people.communities import add_place
from coord.services.requests import lease_cutoffs, run_cutoff, set_request_settings

ITEMS = (
    [["rice", "bag", 1], ["eggs", "", 10]],
    [["milk", "", 2], ["bread", "", 1]],
    [["flour", "bag", 1], ["oil", "bottle", 1]],
    [["vegetables", "kg", 2]],
    [["apples", "", 6], ["noodles", "pack", 2]],
)
CUTOFF = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 20:00 in Asia/Shanghai


def populate(factory: Any, *, households: int, requests: int) -> int:
    now = CUTOFF - timedelta(hours=12)
    population = build_population(factory, volunteers=40, teams=3, now=now)
    rng = random.Random(16)
    with transaction(factory) as session:
        community = session.get_one(Community, population.community_id)
        set_request_settings(session=session, actor=SETUP, community_id=community.id, team=None)
        buildings = [
            add_place(
                session=session, actor=SETUP, community=community, name=f"{n}栋", kind=PlaceKind.BUILDING
            )
            for n in range(1, 15)
        ]
        rows = [
            {
                "community_id": community.id,
                "building_id": buildings[n % 14].id,
                "unit": str(n // 14 % 6 + 1),
                "room": f"{n // 84 + 1}0{n % 3 + 1}-{n}",
                "elderly": n % 4 == 0,
                "lives_alone": False,
                "disabled": False,
                "contact_name": f"住户{n}",
                "phone": f"139{n:08d}",
                "notes": "",
                "watch_reason": "",
                "watch_token": 0,
            }
            for n in range(households)
        ]
        homes = bulk_insert(session, Household, rows)
        chosen = rng.sample(range(households), requests)
        orders = []
        for i, n in enumerate(chosen):
            items = ITEMS[i % len(ITEMS)]
            orders.append(
                {
                    "community_id": community.id,
                    "household_id": homes[n],
                    "building_id": buildings[n % 14].id,
                    "items": items,
                    "items_key": "|".join(sorted(str(name) for name, _u, _q in items)),
                    "urgent": False,
                    "heavy": 1 if i % 5 in (0, 2) else 0,
                    "channel": ("chat", "desk", "captain")[i % 3],
                    "resident_id": population.volunteers[i % len(population.volunteers)]
                    if i % 3 == 0
                    else None,
                    "status": "received",
                    "attempts": 0,
                    "note": "",
                    "problem": "",
                    "created_at": now + timedelta(seconds=20 * i),
                }
            )
        bulk_insert(session, HouseholdRequest, orders)
    return population.community_id


def measure(url: str, *, households: int, requests: int) -> dict[str, Any]:
    engine, factory = open_database(url)
    populate(factory, households=households, requests=requests)
    analyze(engine)
    with Stopwatch() as watch:
        with transaction(factory) as session:
            [cutoff_id] = lease_cutoffs(session, now=CUTOFF, until=CUTOFF + timedelta(minutes=2), batch=100)
        with transaction(factory) as session:
            runs = run_cutoff(session=session, cutoff_id=cutoff_id, now=CUTOFF)
            made = len(runs)
    with factory() as session:
        on_runs = session.scalar(select(func.count()).where(HouseholdRequest.run_id.is_not(None)))
        events = session.scalar(select(func.count()).where(Event.action == "request_accepted"))
        told = session.scalar(select(func.count()).select_from(Notification))
        stored = session.scalar(select(func.count()).select_from(RequestRun))
    engine.dispose()
    assert on_runs == requests and stored == made
    return {"runs": made, "on_runs": on_runs, "events": events, "told": told, "seconds": watch.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=1600)
    args = parser.parse_args()
    rows = []
    for kind, url in each_database(args):
        result = measure(url, households=args.households, requests=args.requests)
        rows.append(
            (
                kind,
                f"{args.households:,}",
                f"{args.requests:,}",
                str(result["runs"]),
                f"{result['on_runs']:,}",
                f"{result['events']:,}",
                f"{result['told']:,}",
                f"{result['seconds']:.2f}",
                "2.00",
            )
        )
    print_table(
        f"Group-buy cut-off, {args.households:,} households, {args.requests:,} open requests (target < 2 s)",
        (
            "database",
            "households",
            "requests",
            "runs",
            "on a run",
            "events",
            "residents told",
            "seconds",
            "target s",
        ),
        rows,
    )


if __name__ == "__main__":
    main()
