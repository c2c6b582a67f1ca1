"""Benchmark: commands per second through the chat layer, as an adapter calls it, on SQLite and PostgreSQL.

The demo community (coord.entrypoints.seed: 14 buildings, ~2,000 households, 3 teams, 40 volunteers, a week of
recurring work) gets chat accounts and a stock of deliveries to claim. Volunteers then run rounds of
``tasks``, ``task ID``, ``claim ID``, ``my``, ``done ID households=… items=…``, and captains ``board``: each
through ``coord.chat.handle_safely`` (one transaction per command, as an adapter does). Every SQL statement
is counted with a ``before_cursor_execute`` listener. Prints commands/s, latency percentiles, the slowest
command, queries per command and the adapter processes' CPU time per command; and, as a yardstick
measured in the same run on a shared machine, how many empty transactions (``SELECT 1``) the same
engine commits per second, with the ratio.
Run: ``python -m bench.chat [--rounds 200] [--clients 1 4] [--db sqlite|postgresql|both]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.common import (
    SETUP,
    add_database_options,
    add_deliveries,
    database_kinds,
    open_database,
    percentile,
    print_table,
    private_message,
    throwaway_database,
)
from coord.chat import handle_safely, render_text
from coord.clock import utcnow
from coord.db import make_engine, make_session_factory, transaction
from coord.entrypoints.seed import seed_demo
from coord.models import Community, Membership, Person, Team, TeamRole
from coord.services.people.people import link_account

NETWORK = "telegram"
MIX = ("tasks", "task", "claim", "my", "done", "board")


@dataclass
class Timings:
    """Milliseconds and statement counts per command."""

    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    queries: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    failures: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of the adapter processes while they ran the commands
    baseline: float = 0.0  # empty transactions per second on the same engine, same run

    @property
    def commands(self) -> int:
        return sum(len(v) for v in self.ms.values())

    def all_ms(self) -> list[float]:
        return [m for v in self.ms.values() for m in v]


class StatementCounter:
    """Counts the SQL statements each thread sends (``count`` is the calling thread's)."""

    def __init__(self, engine: Engine) -> None:
        self._local = threading.local()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self._local.count = self.count + 1

    @property
    def count(self) -> int:
        return int(getattr(self._local, "count", 0))


@dataclass
class Cast:
    volunteers: list[str]  # chat user ids
    captains: list[str]
    stock: list[int]  # delivery task ids to claim, one per round


def prepare(factory: sessionmaker[Session], rounds: int) -> Cast:
    """Seed the demo community, link everyone's chat account, add deliveries to claim."""
    now = utcnow()
    with transaction(factory) as session:
        summary = seed_demo(session=session, now=now, seed=1)
        volunteers, captains, team_id = _link_everyone(session)
        community, team = session.get(Community, summary.community_id), session.get(Team, team_id)
        assert community is not None and team is not None
        stock = add_deliveries(session, community, team, rounds, now=now)
    return Cast(sorted(volunteers), sorted(captains), stock)


def _link_everyone(session: Session) -> tuple[list[str], list[str], int]:
    """A chat account for every team member; their ids, and a team that has a captain."""
    members = session.execute(
        select(Person, Membership.role, Membership.team_id).join(
            Membership, Membership.person_id == Person.id
        )
    ).all()
    volunteers: list[str] = []
    captains: list[str] = []
    for person, role, _team in members:
        user = f"tg{person.id}"
        link_account(
            session=session, actor=SETUP, person=person, network=NETWORK, external_id=user, dm_chat_id=user
        )
        (captains if role == TeamRole.CAPTAIN else volunteers).append(user)
    led = next(team for _person, role, team in members if role == TeamRole.CAPTAIN)
    return volunteers, captains, led


def run(factory: sessionmaker[Session], counter: StatementCounter, cast: Cast, rounds: int) -> Timings:
    timings = Timings()
    started = time.perf_counter()
    for n in range(rounds):
        volunteer = cast.volunteers[n % len(cast.volunteers)]
        task_id = cast.stock[n]
        script = {
            "tasks": (volunteer, "tasks"),
            "task": (volunteer, f"task {task_id}"),
            "claim": (volunteer, f"claim {task_id}"),
            "my": (volunteer, "my"),
            "done": (volunteer, f"done {task_id} households=1 items=12"),
            "board": (cast.captains[n % len(cast.captains)], "board"),
        }
        for name in MIX:
            user, text_ = script[name]
            statements, before = counter.count, time.perf_counter()
            replies = handle_safely(private_message(user, text_, NETWORK), session_factory=factory)
            timings.ms[name].append((time.perf_counter() - before) * 1000)
            timings.queries[name].append(counter.count - statements)
            if not replies or "went wrong" in render_text(replies[0], "en"):
                timings.failures += 1
    timings.seconds = time.perf_counter() - started
    return timings


def measure(url: str, rounds: int, clients: int, processes: int = 1) -> Timings:
    """``clients`` threads, each with its own volunteers, captain and deliveries, as concurrent adapters;
    spread over ``processes`` processes (as several adapter instances would be), each with its own pool."""
    engine, factory = open_database(url, pool_size=clients)
    try:
        warm_up = 20
        cast = prepare(factory, rounds + warm_up * processes)
        parts = [
            Cast(
                cast.volunteers[i::clients],
                cast.captains[i % len(cast.captains) :][:1],
                cast.stock[i:rounds:clients],
            )
            for i in range(clients)
        ]
        spare = cast.stock[rounds:]
        warm = [
            Cast(cast.volunteers, cast.captains, spare[n * warm_up : (n + 1) * warm_up])
            for n in range(processes)
        ]
        baseline = empty_transactions_per_second(factory, clients)
    finally:
        engine.dispose()  # nothing open when the processes fork
    if processes == 1:
        windows = [_adapter_process(url, parts, warm[0], None, None)]
    else:
        windows = _in_processes(url, [parts[n::processes] for n in range(processes)], warm)
    results = [t for window in windows for t in window.parts]
    total = merge(results, max(w.ended for w in windows) - min(w.began for w in windows))
    total.cpu = sum(w.cpu for w in windows)
    total.baseline = baseline
    return total


@dataclass
class Window:
    """One process's timings and when it ran (``time.perf_counter``, the same clock in every process)."""

    parts: list[Timings]
    began: float
    ended: float
    cpu: float  # this process's CPU seconds (time.process_time: all its threads) from began to ended


def _in_processes(url: str, shares: list[list[Cast]], warm: list[Cast]) -> list[Window]:
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(len(shares))
    queue: Any = context.Queue()
    children = [
        context.Process(target=_adapter_process, args=(url, share, warm[n], ready, queue))
        for n, share in enumerate(shares)
    ]
    for child in children:
        child.start()
    windows = []
    for _ in children:
        parts, began, ended, cpu = queue.get()
        windows.append(Window([_timings(*part) for part in parts], began, ended, cpu))
    for child in children:
        child.join()
    return windows


def _adapter_process(url: str, parts: list[Cast], warm: Cast, ready: Any, queue: Any) -> Window:
    """One adapter process: its own engine, warmed up, then one thread per share of the cast."""
    engine = make_engine(url, pool_size=len(parts))
    try:
        factory = make_session_factory(engine)
        counter = StatementCounter(engine)
        run(factory, counter, warm, len(warm.stock))
        results = [Timings() for _ in parts]
        threads = [
            threading.Thread(
                target=lambda i=i: results.__setitem__(
                    i, run(factory, counter, parts[i], len(parts[i].stock))
                )
            )
            for i in range(len(parts))
        ]
        if ready is not None:
            ready.wait()
        began, cpu = time.perf_counter(), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        window = Window(results, began, time.perf_counter(), time.process_time() - cpu)
    finally:
        engine.dispose()
    if queue is not None:  # plain data across the process boundary
        parts_data = [(dict(t.ms), dict(t.queries), t.failures) for t in results]
        queue.put((parts_data, window.began, window.ended, window.cpu))
    return window


def _timings(ms: dict[str, list[float]], queries: dict[str, list[int]], failures: int) -> Timings:
    timings = Timings(failures=failures)
    timings.ms.update(ms)
    timings.queries.update(queries)
    return timings


def empty_transactions_per_second(factory: sessionmaker[Session], clients: int, each: int = 300) -> float:
    """The floor under every command: ``BEGIN; SELECT 1; COMMIT`` through the same session factory."""

    def loop() -> None:
        for _ in range(each):
            with factory() as session, session.begin():
                session.execute(text("SELECT 1"))

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients * each / (time.perf_counter() - started)


def merge(parts: list[Timings], seconds: float) -> Timings:
    total = Timings(seconds=seconds)
    for part in parts:
        for name in MIX:
            total.ms[name] += part.ms[name]
            total.queries[name] += part.queries[name]
        total.failures += part.failures
    return total


SUMMARY_COLUMNS = (
    "database",
    "commands",
    "commands/s",
    "p50 ms",
    "p99 ms",
    "slowest command",
    "queries/command",
    "CPU ms/command",
    "failures",
    "empty tx/s",
    "ratio",
)


def summary_row(name: str, t: Timings) -> list[str]:
    slowest = max(t.ms, key=lambda c: statistics.mean(t.ms[c]))
    per_second = t.commands / t.seconds
    return [
        name,
        str(t.commands),
        f"{per_second:.0f}",
        f"{percentile(t.all_ms(), 0.5):.1f}",
        f"{percentile(t.all_ms(), 0.99):.1f}",
        f"{slowest} ({statistics.mean(t.ms[slowest]):.1f} ms)",
        f"{statistics.mean(q for v in t.queries.values() for q in v):.1f}",
        f"{t.cpu * 1000 / t.commands:.2f}",
        str(t.failures),
        f"{t.baseline:.0f}",
        f"{per_second / t.baseline:.2f}",
    ]


def report(results: dict[str, Timings]) -> None:
    print_table(
        "coord.chat: commands through handle_safely (one transaction each)",
        SUMMARY_COLUMNS,
        [summary_row(name, t) for name, t in results.items()],
    )
    print_table(
        "per command: mean ms / max ms / SQL statements",
        ("command", *results),
        [
            (
                command,
                *(
                    f"{statistics.mean(t.ms[command]):.1f} / {max(t.ms[command]):.1f}"
                    f" / {statistics.mean(t.queries[command]):.0f}"
                    for t in results.values()
                ),
            )
            for command in MIX
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="rounds of the six-command mix")
    add_database_options(parser)
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[1, 4], help="concurrent adapters (threads)"
    )
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[1], help="processes the clients are spread over"
    )
    args = parser.parse_args()
    kinds = database_kinds(args)
    results: dict[str, Timings] = {}
    for clients in args.clients:
        for processes in (p for p in args.processes if p <= clients):
            label = f"{clients} client(s)" + (f" in {processes} processes" if processes > 1 else "")
            for kind in kinds:
                with throwaway_database(kind, args.pg_url) as url:
                    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]
                    results[f"{name}, {label}"] = measure(url, args.rounds, clients, processes)
    report(results)


if __name__ == "__main__":
    main()
