"""Building large communities for the worker benchmarks: services for small parts, bulk inserts for volume.

People, memberships, chat accounts and tasks are written with one multi-row INSERT per table (every
row valid for the models); communities, teams and the coordinator go through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from coord.db import transaction
from coord.models import ChatAccount, Membership, Person, TeamRole
from coord.services.people.access import Actor
from coord.services.people.communities import create_community
from coord.services.people.people import add_person, create_team, make_coordinator

SETUP = Actor.system("bench")
NETWORK = "fake"
CHUNK = 5_000


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
    """A community with ``teams`` teams (a captain each) and ``volunteers`` volunteers with chat accounts."""
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
    """A gate shift as a row for ``bulk_insert(Task)``."""
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
