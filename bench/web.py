"""Benchmark: the board's Today page for a 万科嘉园-sized community (target p95 < 200 ms) and with ten such
communities in one database (target p95 < 500 ms).

Each community: 3 teams and 40 volunteers, 2 zones and 6 grids, 14 buildings and 2 gates, 3,000 households
(some on the watch list), and a week of recurring work: disinfection of every building three times a day and
four gate shifts a day at each gate, from six days ago to tomorrow, the past done (with their assignments and
events), today's part done, part open. Today is requested as a signed-in coordinator through the whole ASGI
app (session cookie, queries, template) with Starlette's TestClient; ``/live`` (what every open page polls
each second) is timed too.
Run: ``python -m bench.web [--db postgresql|sqlite|both] [--communities 1 10] [--requests 100]``.
"""

from __future__ import annotations

import argparse
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bench.common import (
    SETUP,
    Population,
    Stopwatch,
    add_database_options,
    analyze,
    build_population,
    bulk_insert,
    each_database,
    open_database,
    percentile,
    positive,
    print_table,
)
from coord.clock import FrozenClock
from coord.db import transaction
from coord.models import (
    Area,
    AreaKind,
    Assignment,
    Community,
    Event,
    Household,
    Person,
    Place,
    PlaceKind,
    Task,
    Template,
)
from coord.services.board import issue_link
from coord.services.people.communities import add_area
from coord.settings import load_settings
from coord.web import create_app

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2026, 3, 2, tzinfo=ZONE).date()
NOW = datetime.combine(TODAY, time(15, 10), tzinfo=ZONE)
ROUNDS = (8, 14, 20)
GATE_HOURS = (6, 10, 14, 18)
HOUSEHOLDS = 3_000


def build_compound(factory: sessionmaker[Session], seed: int) -> Population:
    """One 万科嘉园-sized community with a week of recurring work."""
    population = build_population(factory, volunteers=40, teams=3, now=NOW - timedelta(days=7), seed=seed)
    with transaction(factory) as session:
        community = session.get_one(Community, population.community_id)
        zones = [
            add_area(session=session, actor=SETUP, community=community, name=f"片区{z}", kind=AreaKind.ZONE)
            for z in (1, 2)
        ]
        grids = [
            add_area(
                session=session,
                actor=SETUP,
                community=community,
                name=f"第{g}网格",
                kind=AreaKind.GRID,
                parent=zones[g % 2],
            )
            for g in range(1, 7)
        ]
        buildings = bulk_insert(
            session,
            Place,
            [_place(community.id, f"{b}号楼", PlaceKind.BUILDING, grids[b % 6]) for b in range(1, 15)],
        )
        gates = bulk_insert(
            session, Place, [_place(community.id, name, PlaceKind.GATE, None) for name in ("南门", "北门")]
        )
        bulk_insert(
            session, Household, [_household(community.id, buildings[n % 14], n) for n in range(HOUSEHOLDS)]
        )
        template = bulk_insert(session, Template, [_template(community.id, population.team_ids[1])])[0]
        _week_of_work(session, population, template, buildings, gates)
    return population


def _place(community_id: int, name: str, kind: PlaceKind, area: Area | None) -> dict[str, Any]:
    return {
        "community_id": community_id,
        "area_id": area.id if area else None,
        "kind": kind,
        "name": name,
        "floors": 18 if kind == PlaceKind.BUILDING else None,
        "units": 4 if kind == PlaceKind.BUILDING else None,
    }


def _household(community_id: int, building: int, n: int) -> dict[str, Any]:
    colour = ("red", "yellow", "blue", "green")[n % 4] if n % 25 == 0 else None
    return {
        "community_id": community_id,
        "building_id": building,
        "unit": str(1 + n % 4),
        "room": str(100 + n),
        "elderly": n % 7 == 0,
        "lives_alone": n % 11 == 0,
        "disabled": False,
        "watch_colour": colour,
        "contact_name": f"住户{n}",
        "phone": f"138{n:08d}",
        "notes": "",
        "watch_reason": "",
        "watch_token": 0,
    }


def _template(community_id: int, team: int) -> dict[str, Any]:
    return {
        "community_id": community_id,
        "name": "楼栋消杀",
        "kind": "disinfection",
        "title": "{place}消杀",
        "public_details": "",
        "team_id": team,
        "priority": "normal",
        "rrule": "FREQ=DAILY;BYHOUR=8,14,20;BYMINUTE=0",
        "starts_on": TODAY - timedelta(days=6),
        "duration_minutes": 60,
        "capacity": 1,
        "skills": [],
        "place_kind": "building",
        "active": True,
        "created_at": NOW - timedelta(days=7),
    }


def _week_of_work(
    session: Session, population: Population, template: int, buildings: list[int], gates: list[int]
) -> None:
    """Disinfection rounds and gate shifts from six days ago to tomorrow; what ended before now is done."""
    tasks: list[dict[str, Any]] = []
    for day in range(-6, 2):
        date = TODAY + timedelta(days=day)
        for hour in ROUNDS:
            start = datetime.combine(date, time(hour), tzinfo=ZONE)
            for building in buildings:
                tasks.append(
                    _task(
                        population,
                        "disinfection",
                        start,
                        1,
                        building,
                        population.team_ids[1],
                        template=template,
                        key=f"{building}:{date}:{hour}",
                    )
                )
        for hour in GATE_HOURS:
            start = datetime.combine(date, time(hour), tzinfo=ZONE)
            for gate in gates:
                tasks.append(_task(population, "gate_shift", start, 2, gate, population.team_ids[0], hours=4))
    ids = bulk_insert(session, Task, tasks)
    assignments, events = [], []
    team_people = {
        team: [p for p, t in population.team_of.items() if t == team] for team in population.team_ids
    }
    for n, (task_id, task) in enumerate(zip(ids, tasks, strict=True)):
        if task["status"] != "done":
            continue
        people = team_people[task["team_id"]]
        for slot in range(task["capacity"]):
            person = people[(n + slot) % len(people)]
            assignments.append(
                {
                    "task_id": task_id,
                    "person_id": person,
                    "state": "done",
                    "claimed_at": task["starts_at"] - timedelta(hours=2),
                    "checked_in_at": task["starts_at"],
                    "ended_at": task["ends_at"],
                    "figures": {},
                    "note": "",
                }
            )
            for action, at in (
                ("claimed", task["starts_at"] - timedelta(hours=2)),
                ("checked_in", task["starts_at"]),
                ("done", task["ends_at"]),
            ):
                events.append(
                    {
                        "community_id": population.community_id,
                        "at": at,
                        "actor_id": person,
                        "channel": "fake",
                        "action": action,
                        "task_id": task_id,
                        "subject_id": person,
                        "data": {},
                    }
                )
    bulk_insert(session, Assignment, assignments)
    bulk_insert(session, Event, events)


def _task(
    population: Population,
    kind: str,
    start: datetime,
    capacity: int,
    place: int,
    team: int,
    *,
    hours: float = 1,
    template: int | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    end = start + timedelta(hours=hours)
    done = end <= NOW
    return {
        "community_id": population.community_id,
        "kind": kind,
        "title": f"{kind} {start:%m-%d %H:%M}",
        "public_details": "",
        "private_details": "",
        "place_id": place,
        "team_id": team,
        "priority": "normal",
        "starts_at": start,
        "ends_at": end,
        "capacity": capacity,
        "filled": capacity if done else 0,
        "status": "done" if done else "open",
        "skills": [],
        "created_at": NOW - timedelta(days=7),
        "template_id": template,
        "occurrence_key": key,
        "escalation_step": 0,
        "escalation_token": 0,
    }


def time_board(factory: sessionmaker[Session], population: Population, requests: int) -> dict[str, float]:
    """p50 and p95 of Today and /live, as the community's coordinator, through the whole app."""
    clock = FrozenClock(NOW)
    settings = load_settings(database_url="sqlite:///unused.db", web_base_url="http://bench.test")
    app = create_app(settings, factory=factory, clock=clock)
    with transaction(factory) as session:
        token = issue_link(
            session, person=session.get_one(Person, population.coordinator_id), now=clock.now()
        )
    client = TestClient(app, base_url=settings.web_address)
    assert client.post(f"/signin/{token}", follow_redirects=False).status_code == 303
    found: dict[str, float] = {}
    for path in ("/today", "/live"):
        timings = []
        for _ in range(3):
            client.get(path)  # warm: compiled statements, templates
        for _ in range(requests):
            with Stopwatch() as watch:
                response = client.get(path)
            assert response.status_code == 200
            timings.append(watch.ms)
        found[f"{path} p50"], found[f"{path} p95"] = percentile(timings, 0.5), percentile(timings, 0.95)
    found["cells"] = client.get("/today").text.count('data-task="')
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_database_options(parser, default="postgresql")
    parser.add_argument("--communities", type=positive, nargs="+", default=[1, 10])
    parser.add_argument("--requests", type=positive, default=100)
    options = parser.parse_args()
    rows = []
    for kind, url in each_database(options):
        engine, factory = open_database(url)
        built: list[Population] = []
        for count in sorted(options.communities):
            while len(built) < count:
                built.append(build_compound(factory, seed=len(built) + 1))
            if kind == "postgresql":
                analyze(engine)
            found = time_board(factory, built[0], options.requests)
            target = 200 if count == 1 else 500
            rows.append(
                [
                    kind,
                    str(count),
                    f"{HOUSEHOLDS * count:,}",
                    str(int(found["cells"])),
                    f"{found['/today p50']:.0f}",
                    f"{found['/today p95']:.0f}",
                    f"{target}",
                    f"{found['/live p50']:.1f}",
                    f"{found['/live p95']:.1f}",
                ]
            )
        engine.dispose()
    print_table(
        "The board's Today page (ms, through the ASGI app, as the coordinator)",
        [
            "database",
            "communities",
            "households",
            "cells",
            "Today p50",
            "Today p95",
            "target p95",
            "/live p50",
            "/live p95",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
