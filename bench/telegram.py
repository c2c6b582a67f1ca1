"""Benchmark: update → reply latency of the Telegram bot in a running ``coord run``, open loop.

The demo community (coord.entrypoints.seed) gets 200 extra volunteers with Telegram accounts and a delivery
each to claim. ``coord run`` starts as a subprocess with its Bot API pointed at the fake Bot API server
(peers/telegram_api.py: Telegram itself cannot be reached, and must not be flooded). The load is
offered open loop: update i is handed to the bot at start + i / rate whatever the replies do, each of the
200 users sending in turn ``tasks``, ``task N``, ``claim N``, ``my``, ``help``. Latency runs from the moment
the update is queued at the fake server (the bot's pending long poll is woken) to the first message the bot
sends to that user's chat afterwards. Yardstick measured in the same run: the same mix called directly
through ``coord.chat.handle_safely`` (no Telegram, no HTTP, one thread) on the same database, so ``p50 ÷
direct`` is what the adapter, PTB and two HTTP hops add. Before the runs, 120 read-only commands at 10/s
warm the service up (untimed); during a run this process's garbage collector is off, so that its own pauses
(the fake server keeps every call) are not charged to the bot. Run: ``python -m bench.telegram [--db
sqlite|postgresql|both] [--rates 50] [--seconds 20] [--slowest N]`` (PostgreSQL needs ``--pg-url``, and
``--redis-url`` for the Redis row).
"""

from __future__ import annotations

import argparse
import bisect
import gc
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bench.common import (
    SETUP,
    Stopwatch,
    add_database_options,
    add_deliveries,
    add_redis_option,
    each_database,
    open_database,
    percentile,
    print_table,
    private_message,
)
from coord.chat import handle_safely
from coord.clock import utcnow
from coord.db import make_engine, make_session_factory, transaction
from coord.entrypoints.seed import seed_demo
from coord.models import Community, Team
from coord.services.people.people import add_member, add_person, link_account
from peers.telegram_api import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
USERS = 200
FIRST_ID = 500_000
SCRIPT = ("tasks", "task {task}", "claim {task}", "my", "help")


@dataclass
class Result:
    label: str
    rate: float
    offered: int
    samples: list[tuple[float, str, float]] = field(default_factory=list)  # (s after start, command, ms)
    seconds: float = 0.0
    direct_ms: float = 0.0
    cpu_ms: float = 0.0  # CPU time of the coord run process per update (all its threads)

    @property
    def latencies(self) -> list[float]:
        """Milliseconds from update to first reply, of every answered update."""
        return [ms for _, _, ms in self.samples]

    @property
    def by_command(self) -> dict[str, list[float]]:
        grouped: dict[str, list[float]] = defaultdict(list)
        for _, command, ms in self.samples:
            grouped[command].append(ms)
        return grouped

    def pct(self, q: float) -> float:
        return percentile(self.latencies, q)


def prepare(url: str) -> list[int]:
    """Seed the demo, 200 Telegram volunteers and a delivery for each; returns the deliveries' ids."""
    engine, factory = open_database(url)
    now = utcnow()
    with transaction(factory) as session:
        seeded = seed_demo(session=session, now=now, seed=1)
        community = session.get_one(Community, seeded.community_id)
        team = session.scalars(
            select(Team).where(Team.community_id == community.id).order_by(Team.id)
        ).first()
        assert team is not None
        for n in range(USERS):
            person = add_person(session=session, actor=SETUP, community=community, name=f"志愿者{n}")
            add_member(session=session, actor=SETUP, team=team, person=person)
            user = str(FIRST_ID + n)
            link_account(
                session=session,
                actor=SETUP,
                person=person,
                network="telegram",
                external_id=user,
                dm_chat_id=user,
            )
        stock = add_deliveries(session, community, team, USERS, now=now)
    engine.dispose()
    return stock


def direct_median(url: str) -> float:
    """Median ms of the read-only part of the mix called straight through the chat layer (the yardstick)."""
    engine = make_engine(url)
    factory: sessionmaker[Session] = make_session_factory(engine)
    timings = []
    for n in range(200):
        user = str(FIRST_ID + n % USERS)
        text = ("tasks", "my", "help")[n % 3]
        inbound = private_message(user, text)
        with Stopwatch() as watch:
            handle_safely(inbound, session_factory=factory)
        timings.append(watch.ms)
    engine.dispose()
    return statistics.median(timings[20:])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


WARM_UP = ("help", "tasks", "my")


def warm_up(server: FakeTelegram, *, users: int = 40, rate: float = 10.0) -> None:
    """Not timed: a few read-only commands at a gentle pace, answered before the runs begin, so the runs
    see the service as it runs once started (start-up's first scheduler tick, which materialises the
    week's recurring work, done; the pool's connections open; SQLAlchemy's statement cache filled), not
    its first second."""
    pushed: list[tuple[int, float]] = []
    for i in range(users * len(WARM_UP)):
        time.sleep(1 / rate)
        pushed.append(_say(server, i % users, WARM_UP[i // users]))
    _wait_for_answers(server, pushed, timeout=60)
    time.sleep(1.0)


def _say(server: FakeTelegram, n: int, text: str) -> tuple[int, float]:
    """User ``n`` writes ``text`` to the bot in private; returns (their chat, when it was queued)."""
    chat = FIRST_ID + n
    user = {"id": chat, "is_bot": False, "first_name": f"V{n}", "language_code": "zh-hans"}
    server.say(user, {"id": chat, "type": "private"}, text)
    return chat, time.monotonic()


def _wait_for_answers(
    server: FakeTelegram, pushed: list[tuple[int, float]], *, timeout: float
) -> list[float]:
    """Wait until every pushed update is answered (or ``timeout`` s); returns when each was (0.0: not)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(_answered(server, pushed)):
        time.sleep(0.2)
    return _answered(server, pushed)


def offer(server: FakeTelegram, stock: list[int], rate: float, seconds: float, label: str) -> Result:
    """Hand ``rate`` updates a second to the bot for ``seconds``; collect each one's first reply."""
    count = int(rate * seconds)
    result = Result(label, rate, count)
    pushed: list[tuple[int, float]] = []  # (chat, when queued)
    commands: list[str] = []
    started = time.monotonic()
    for i in range(count):
        due = started + i / rate
        time.sleep(max(0.0, due - time.monotonic()))
        n = i % USERS
        text = SCRIPT[(i // USERS) % len(SCRIPT)].format(task=stock[n])
        pushed.append(_say(server, n, text))
        commands.append(text.split()[0])
    answered = _wait_for_answers(server, pushed, timeout=30)
    for (_, when), at, command in zip(pushed, answered, commands, strict=True):
        if at:
            result.samples.append((when - started, command, (at - when) * 1000))
    last = max((at for at in answered if at), default=started)
    result.seconds = last - started
    return result


def _answered(server: FakeTelegram, pushed: list[tuple[int, float]]) -> list[float]:
    """For each pushed update, when the bot first wrote to that chat after it (0.0: not yet)."""
    by_chat: dict[int, list[float]] = defaultdict(list)
    for call in server.sent():
        if call.chat_id is not None:
            by_chat[call.chat_id].append(call.at)
    times = []
    for chat, when in pushed:
        seen = by_chat.get(chat, [])
        k = bisect.bisect_left(seen, when)
        times.append(seen[k] if k < len(seen) else 0.0)
    return times


def run_service(url: str, redis_url: str | None, server: FakeTelegram, folder: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORD_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "COORD_DATABASE_URL": url,
        "COORD_TELEGRAM_TOKEN": TOKEN,
        "COORD_TELEGRAM_BASE_URL": server.base_url,
    }
    if redis_url:
        env["COORD_REDIS_URL"] = redis_url
    command = [sys.executable, "-m", "coord.entrypoints.cli", "run", "--log-level", "warning"]
    return subprocess.Popen(command, env=env, cwd=folder, stderr=subprocess.PIPE, text=True)


def measure(url: str, label: str, rates: list[float], seconds: float, redis_url: str | None) -> list[Result]:
    stock = prepare(url)
    direct = direct_median(url)
    server = FakeTelegram().start()
    server.opened.update(FIRST_ID + n for n in range(USERS))
    service = run_service(url, redis_url, server, Path.cwd())
    results = []
    try:
        server.wait_for(lambda: any(c.method == "getUpdates" for c in server.calls), timeout=60)
        warm_up(server)
        for number, rate in enumerate(rates):
            before = cpu_seconds(service.pid)
            gc.collect()
            gc.disable()  # this process's own pauses (its fake server keeps every call) are not the bot's
            try:
                result = offer(server, stock, rate, seconds, label)
            finally:
                gc.enable()
            result.cpu_ms = (cpu_seconds(service.pid) - before) * 1000 / max(1, len(result.latencies))
            result.direct_ms = direct
            results.append(result)
            if number + 1 < len(rates):
                stock = prepare_more(url, stock)
    finally:
        service.send_signal(signal.SIGTERM)
        service.communicate(timeout=60)
        server.stop()
    return results


def prepare_more(url: str, stock: list[int]) -> list[int]:
    """Claims of the next run need deliveries nobody holds yet."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = utcnow()
    with transaction(factory) as session:
        first = session.get_one(Team, session.scalars(select(Team.id).order_by(Team.id)).first())
        community = session.get_one(Community, first.community_id)
        fresh = add_deliveries(session, community, first, len(stock), now=now)
    engine.dispose()
    return fresh


def table(results: list[Result]) -> None:
    columns = (
        "setup",
        "offered /s",
        "updates",
        "answered",
        "answered /s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "CPU ms / update",
        "direct p50 ms",
        "p50 ÷ direct",
    )
    rows = [
        (
            r.label,
            f"{r.rate:g}",
            str(r.offered),
            str(len(r.latencies)),
            f"{len(r.latencies) / r.seconds:.1f}" if r.seconds else "-",
            f"{r.pct(0.5):.1f}",
            f"{r.pct(0.99):.1f}",
            f"{max(r.latencies, default=float('nan')):.1f}",
            f"{r.cpu_ms:.1f}",
            f"{r.direct_ms:.1f}",
            f"{r.pct(0.5) / r.direct_ms:.1f}" if r.direct_ms else "-",
        )
        for r in results
    ]
    print_table(f"Telegram: {USERS} users, update → first reply, open loop", columns, rows, width=170)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_database_options(parser)
    add_redis_option(parser)
    parser.add_argument("--rates", type=float, nargs="+", default=[50.0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--slowest", type=int, default=0, help="also list the N slowest updates of each run")
    args = parser.parse_args()
    results: list[Result] = []
    for kind, url in each_database(args):
        if kind == "sqlite":
            results += measure(url, "coord run, SQLite (embedded)", args.rates, args.seconds, None)
        else:
            results += measure(url, "coord run, PostgreSQL + Redis", args.rates, args.seconds, args.redis_url)
    table(results)
    console = Console(width=170)
    for r in results:
        medians = {name: statistics.median(ms) for name, ms in r.by_command.items()}
        console.print(
            f"{r.label} at {r.rate:g}/s, p50 ms by command: "
            + ", ".join(f"{k} {v:.1f}" for k, v in medians.items())
        )
        if args.slowest:
            worst = sorted(r.samples, key=lambda sample: -sample[2])[: args.slowest]
            console.print(
                "  slowest (s into the run, command, ms): "
                + ", ".join(f"{at:.1f} {command} {ms:.0f}" for at, command, ms in sorted(worst))
            )


if __name__ == "__main__":
    main()
