"""Invariant 4: a claim never exceeds capacity and one person holds one slot, under real concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coord.db import make_session_factory
from coord.errors import AlreadyClaimed, TaskFull
from coord.models import HOLDING_STATES, Assignment, Person, Task
from coord.services.people.access import Actor
from coord.services.work import claims
from coord.services.work.tasks import create_task
from tests.conftest import FreshDatabase
from tests.factories import NOW, build_world

THREADS = 64


def _setup(factory: sessionmaker[Session], volunteers: int) -> tuple[int, list[int]]:
    with factory() as session, session.begin():
        world = build_world(session, volunteers=volunteers)
        task = create_task(
            session=session,
            actor=Actor.system("test"),
            community=world.community,
            kind="delivery",
            title="Medicine for Building 3",
            team=world.gate_team,
            due_at=NOW + timedelta(hours=2),
            capacity=2,
            now=NOW,
        )
        return task.id, [p.id for p in world.volunteers]


def _race(factory: sessionmaker[Session], task_id: int, person_ids: list[int]) -> Counter[str]:
    """Start every claimer at once; count how each ended."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(person_ids))

    def claimer(person_id: int) -> None:
        barrier.wait()
        try:
            with factory() as session, session.begin():
                person = session.get(Person, person_id)
                claims.claim(session=session, actor=Actor(person, "test"), task_id=task_id, now=NOW)
            outcome = "claimed"
        except TaskFull:
            outcome = "full"
        except AlreadyClaimed:
            outcome = "already"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=claimer, args=(pid,)) for pid in person_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _holders(factory: sessionmaker[Session], task_id: int) -> tuple[int, list[int]]:
    with factory() as session:
        filled = session.scalar(select(Task.filled).where(Task.id == task_id))
        people = session.scalars(
            select(Assignment.person_id).where(
                Assignment.task_id == task_id, Assignment.state.in_(HOLDING_STATES)
            )
        ).all()
        return int(filled or 0), list(people)


def test_64_claimers_one_task_of_two(fresh_db: FreshDatabase) -> None:
    # Given a task for two and 64 volunteers
    factory = make_session_factory(fresh_db.engine(pool_size=20))
    task_id, people = _setup(factory, THREADS)
    # When all of them claim it at the same moment
    outcomes = _race(factory, task_id, people)
    # Then exactly two hold it, the rest were told it is full, and nothing failed otherwise
    assert outcomes == Counter({"claimed": 2, "full": THREADS - 2})
    filled, holders = _holders(factory, task_id)
    assert filled == 2 and len(holders) == 2 and len(set(holders)) == 2


def test_one_person_claiming_many_times_at_once_holds_one_slot(fresh_db: FreshDatabase) -> None:
    factory = make_session_factory(fresh_db.engine(pool_size=20))
    task_id, people = _setup(factory, 2)
    outcomes = _race(factory, task_id, [people[0]] * 16)
    assert outcomes["claimed"] == 1 and outcomes["already"] == 15
    filled, holders = _holders(factory, task_id)
    assert filled == 1 and holders == [people[0]]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1
