"""The claimers of bench/claims.py: threads (in one process or several) claiming random open tasks.

Two kinds of claimer make the same claim in one transaction each (find the volunteer by chat account, then
on PostgreSQL ``coord_claim``: the rules and the slot in one call): ``coord`` goes through
``coord.services.work.claims.claim`` as the chat layer does; ``psycopg`` sends the same two statements
through a bare psycopg connection (no SQLAlchemy), the least any Python client can do here, to show how much
of a claim's cost is the client's. Two yardsticks are not claims coord could make: ``orm-floor``, the least
any claim through a SQLAlchemy ORM session costs (the claimant loaded as an ORM object, the slot taken with
none of the rules, nothing else); and ``one-statement``, the slot taken in a single autocommitted statement
(the account lookup as a subquery of ``coord_take_slot``), with none of the rules of
``claim_rules.check_claimable`` (task over, skills, health declaration): where the ratio lies once a claim
is one round trip.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import Engine, bindparam, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import utcnow
from coord.db import make_engine, make_session_factory, transaction
from coord.errors import AlreadyClaimed, TaskFull
from coord.models import ChatAccount, Person
from coord.services.people.access import Actor
from coord.services.people.directory import speaker
from coord.services.work.claims import claim

NETWORK = "telegram"


@dataclass
class Tally:
    """What claimers did: one thread's, one process's, or all of them together."""

    claims: int = 0
    rejected: int = 0  # TaskFull or AlreadyClaimed: normal answers, counted apart
    statements: int = 0  # SQL statements sent by the successful claims
    latencies_ms: list[float] = field(default_factory=list)
    began: float = 0.0  # time.perf_counter() (CLOCK_MONOTONIC: the same clock in every process)
    ended: float = 0.0
    cpu: float = 0.0  # CPU seconds of the claimers' processes during the run

    def add(self, other: Tally) -> None:
        self.claims += other.claims
        self.rejected += other.rejected
        self.statements += other.statements
        self.latencies_ms.extend(other.latencies_ms)
        if other.began:  # a thread's tally has no clock of its own
            self.began = min(self.began, other.began) if self.began else other.began
            self.ended = max(self.ended, other.ended)
        self.cpu += other.cpu


class OpenTasks:
    """The tasks a process's claimers believe to have a free slot, shared between its threads.

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
            if self._free[task_id] == 0 and task_id in self._ids:  # a refusal may have closed it first
                self._ids.remove(task_id)

    def close(self, task_id: int) -> None:
        with self._lock:
            if task_id in self._ids:
                self._ids.remove(task_id)


class StatementCounter:
    """Counts the SQL statements each thread sends (a SQLAlchemy cursor event)."""

    def __init__(self, engine: Engine | None = None) -> None:
        self._local = threading.local()
        if engine is not None:
            event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *_args: Any) -> None:
        self._local.count = self.count + 1

    @property
    def count(self) -> int:
        return int(getattr(self._local, "count", 0))


Claimer = tuple[Callable[[str, int], None], StatementCounter, Callable[[], None]]  # claim, count, close


def coord_claimer(url: str, clients: int) -> Claimer:
    """One chat message "claim <task>" through coord: who wrote (as the chat layer finds them), claim."""
    engine = make_engine(url, pool_size=clients)
    factory: sessionmaker[Session] = make_session_factory(engine)
    counter = StatementCounter(engine)

    def claim_once(account: str, task_id: int) -> None:
        with transaction(factory) as session:
            found = speaker(session, NETWORK, account, account)
            if found is None:
                raise RuntimeError(f"no person for account {account}")
            claim(session=session, actor=Actor(found.person, NETWORK), task_id=task_id)

    return claim_once, counter, engine.dispose


_WHO = (
    "SELECT p.id FROM person AS p JOIN chat_account AS a ON a.person_id = p.id "
    "WHERE a.network = %s AND a.external_id = %s AND p.active"
)
_CLAIM = "SELECT outcome FROM coord_claim(%s, %s, %s, %s)"


def raise_unless_taken(outcome: str) -> None:
    """What a claimer of the database's own functions makes of their outcome: the refusals a claim meets
    in this benchmark as coord raises them, anything else as the benchmark's own failure."""
    if outcome == "full":
        raise TaskFull("full")
    if outcome == "already":
        raise AlreadyClaimed("already")
    if outcome != "taken":
        raise RuntimeError(f"claim refused: {outcome}")


def _bare_claimer(url: str, claim: Callable[[psycopg.Connection[Any], str, int], tuple[str, int]]) -> Claimer:
    """A claimer on a bare psycopg connection per thread: ``claim`` sends the statements and returns the
    outcome of ``coord_take_slot`` and how many statements it sent."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    local = threading.local()
    connections: list[psycopg.Connection[Any]] = []
    counter = StatementCounter()

    def claim_once(account: str, task_id: int) -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = psycopg.connect(dsn, autocommit=True)
            connections.append(conn)
        outcome, statements = claim(conn, account, task_id)
        for _ in range(statements):
            counter.seen()
        raise_unless_taken(outcome)

    def close() -> None:
        for conn in connections:
            conn.close()

    return claim_once, counter, close


def psycopg_claimer(url: str, _clients: int) -> Claimer:
    """The same claim as two statements on a bare psycopg connection per thread (PostgreSQL only)."""

    def claim(conn: psycopg.Connection[Any], account: str, task_id: int) -> tuple[str, int]:
        with conn.transaction():
            who = conn.execute(_WHO, (NETWORK, account)).fetchone()
            assert who is not None
            outcome = conn.execute(_CLAIM, (task_id, who[0], utcnow(), NETWORK)).fetchone()
        return (outcome[0] if outcome else "full"), 2

    return _bare_claimer(url, claim)


_ONE = (
    "SELECT outcome FROM coord_take_slot(%s, (SELECT p.id FROM person AS p JOIN chat_account AS a"
    " ON a.person_id = p.id WHERE a.network = %s AND a.external_id = %s AND p.active),"
    " NULL, %s, NULL, %s, 'claimed')"
)


def one_statement_claimer(url: str, _clients: int) -> Claimer:
    """The slot alone, in one autocommitted statement per claim, no rules (PostgreSQL only)."""

    def claim(conn: psycopg.Connection[Any], account: str, task_id: int) -> tuple[str, int]:
        outcome = conn.execute(_ONE, (task_id, NETWORK, account, utcnow(), NETWORK)).fetchone()
        return (outcome[0] if outcome else "full"), 1

    return _bare_claimer(url, claim)


_CLAIMANT = (
    select(Person)
    .join(ChatAccount, ChatAccount.person_id == Person.id)
    .where(
        ChatAccount.network == bindparam("network"),
        ChatAccount.external_id == bindparam("account"),
        Person.active.is_(True),
    )
)
_SLOT = text(
    "SELECT outcome FROM coord_take_slot(CAST(:task_id AS integer), CAST(:person_id AS integer), NULL, "
    "CAST(:at AS timestamptz), CAST(:person_id AS integer), CAST(:channel AS varchar), 'claimed')"
)


def orm_floor_claimer(url: str, clients: int) -> Claimer:
    """A yardstick: the least any claim made through a SQLAlchemy ORM session costs here. The engine and
    session factory are coord's; the claimant is loaded as an ORM object by chat account, the slot taken
    by ``coord_take_slot`` with none of the rules, and nothing else (PostgreSQL only)."""
    engine = make_engine(url, pool_size=clients)
    factory: sessionmaker[Session] = make_session_factory(engine)
    counter = StatementCounter(engine)

    def claim_once(account: str, task_id: int) -> None:
        with transaction(factory) as session:
            person = session.scalars(_CLAIMANT, {"network": NETWORK, "account": account}).one()
            outcome = (
                session.connection()
                .execute(
                    _SLOT, {"task_id": task_id, "person_id": person.id, "at": utcnow(), "channel": NETWORK}
                )
                .scalar_one()
            )
        raise_unless_taken(outcome)

    return claim_once, counter, engine.dispose


CLAIMERS = {
    "coord": coord_claimer,
    "orm-floor": orm_floor_claimer,
    "psycopg": psycopg_claimer,
    "one-statement": one_statement_claimer,
}


@dataclass
class Plan:
    """One timed run: which claimer, how many threads in how many processes, for how long."""

    kind: str
    url: str
    clients: int
    processes: int
    capacity: int
    people: int
    seconds: float
    seed: int


def run(plan: Plan, task_ids: list[int]) -> Tally:
    """``plan.clients`` threads spread over ``plan.processes`` processes, each process with its own
    share of the tasks and its own connection pool; all start together."""
    if plan.processes == 1:
        return _process(plan, 0, task_ids, None, None)
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(plan.processes)
    results: Any = context.Queue()
    children = [
        context.Process(target=_process, args=(plan, n, task_ids[n :: plan.processes], ready, results))
        for n in range(plan.processes)
    ]
    for child in children:
        child.start()
    total = Tally()
    for _ in children:
        outcome = results.get()
        if isinstance(outcome, BaseException):
            raise RuntimeError(f"a claimer process failed: {outcome!r}")
        total.add(outcome)
    for child in children:
        child.join()
    return total


def _process(plan: Plan, number: int, task_ids: list[int], ready: Any, results: Any) -> Tally:
    threads = _threads_of(plan, number)
    claim_once, counter, close = CLAIMERS[plan.kind](plan.url, threads)
    try:
        tally = _claimers(plan, number, threads, task_ids, claim_once, counter, ready)
    except BaseException as exc:
        if results is None:
            raise
        results.put(exc)
        return Tally()
    finally:
        close()
    if results is not None:
        results.put(tally)
    return tally


def _threads_of(plan: Plan, number: int) -> int:
    return plan.clients // plan.processes + (1 if number < plan.clients % plan.processes else 0)


def _claimers(
    plan: Plan,
    number: int,
    threads: int,
    task_ids: list[int],
    claim_once: Callable[[str, int], None],
    counter: StatementCounter,
    ready: Any,
) -> Tally:
    open_tasks = OpenTasks(task_ids, plan.capacity)
    clock: dict[str, float] = {}

    def go() -> None:
        clock["began"], clock["cpu"] = time.perf_counter(), time.process_time()
        clock["deadline"] = clock["began"] + plan.seconds

    start = threading.Barrier(threads + 1, action=go)
    tallies = [Tally() for _ in range(threads)]
    errors: list[BaseException] = []

    def claimer(seed: int, tally: Tally) -> None:
        rng = random.Random(seed)
        start.wait()
        try:
            while time.perf_counter() < clock["deadline"]:
                task_id = open_tasks.pick(rng)
                if task_id is None:
                    return
                before, began = counter.count, time.perf_counter()
                try:
                    claim_once(str(rng.randrange(plan.people)), task_id)
                except TaskFull:
                    tally.rejected += 1
                    open_tasks.close(task_id)
                    continue
                except AlreadyClaimed:
                    tally.rejected += 1
                    continue
                tally.latencies_ms.append((time.perf_counter() - began) * 1000)
                tally.statements += counter.count - before
                tally.claims += 1
                open_tasks.taken(task_id)
        except BaseException as exc:  # reported below: a benchmark must not hide failures
            errors.append(exc)

    workers = [
        threading.Thread(target=claimer, args=(plan.seed + 1000 * number + n, tally))
        for n, tally in enumerate(tallies)
    ]
    for worker in workers:
        worker.start()
    if ready is not None:
        ready.wait()  # every process has connected and started its threads
    start.wait()
    for worker in workers:
        worker.join()
    total = Tally(began=clock["began"], ended=time.perf_counter(), cpu=time.process_time() - clock["cpu"])
    if errors:
        raise RuntimeError(f"a claimer failed: {errors[0]!r}") from errors[0]
    for tally in tallies:
        total.add(tally)
    return total
