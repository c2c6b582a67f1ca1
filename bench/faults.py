"""Fault injection: the distributed mode under chat load, with its processes killed, Redis restarted and the
database's connections cut; then nothing may be lost, repeated unmarked or booked twice.

Processes (each a real ``coord`` command): two ``coord worker``, two ``coord scheduler`` and
``coord bot telegram`` against the fake Bot API server (peers/telegram_api.py, in this process; the workers'
gateway sends there too), on a throwaway PostgreSQL database and a redis-server of this run's own (its own
port, nothing on disk).
The demo community gets ``--people`` Telegram volunteers, a delivery each to a household (its address and
phone are private details) and gate shifts starting an hour and half a minute from now (so their reminders
fall inside the run). Load, open loop at ``--rate`` updates a second for ``--seconds``: each volunteer in turn
sends ``tasks``, ``claim`` their delivery, ``claim`` a shift, ``my``, ``claim`` the delivery again, ``task``.
Faults, at fixed fractions of the load: SIGKILL a worker, the bot, the first scheduler, both a worker and
the bot; a Redis restart (SIGKILL, started again empty); every database connection of the run ended
(``pg_terminate_backend``); a 429 storm on ``sendMessage``. Killed processes start again a second later.
After the load, the run waits (up to ``--settle`` s) until every outbox row is settled.

Counted at the end: commands offered; the bot's replies; commands unanswered (beyond the bot's messages to
their sender: every command gets at least one) and updates Telegram still holds unconfirmed; notifications
to the run's volunteers written, sent and waiting; messages the workers sent, marked repeats ("(sent again)" /
"（重发）"), unmarked repeats (the same notification text twice in one chat, or a private notification sent
unmarked after the chat reply had carried it); lost private details (a holder of a delivery whose chat never
got its address); double bookings (a task over capacity, a person with two overlapping shifts). Target:
0 lost, 0 unmarked repeats, 0 double bookings. Run:
``python -m bench.faults [--pg-url URL] [--people 40] [--rate 4] [--seconds 90] [--settle 240]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased, sessionmaker

from bench.common import SETUP, add_database_options, open_database, print_table, throwaway_database
from coord.clock import utcnow
from coord.db import transaction
from coord.entrypoints.seed import seed_demo
from coord.models import (
    ACTIVE_STATES,
    Assignment,
    ChatAccount,
    Community,
    Household,
    Notification,
    NotificationStatus,
    Place,
    Task,
)
from coord.services.people.people import add_member, add_person, create_team, link_account
from coord.services.work.claims import private_text
from coord.services.work.tasks import create_task
from peers.telegram_api import TOKEN, Call, FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
FIRST_ID = 600_000
MARKS = ("(sent again) ", "（重发）")
SCRIPT = ("tasks", "claim {delivery}", "claim {shift}", "my", "claim {delivery}", "task {delivery}")
FAULTS = (  # (fraction of the load, what)
    (0.12, "kill worker-1"),
    (0.22, "kill bot"),
    (0.32, "kill scheduler-1"),  # started first, it leads (unless a kill made it lose the lock)
    (0.42, "restart redis"),
    (0.52, "end database connections"),
    (0.62, "kill worker-2 and bot"),
    (0.72, "429 storm"),
    (0.82, "kill worker-1"),
)


@dataclass
class Stock:
    users: list[int]
    deliveries: list[int]
    shifts: list[int]


def prepare(url: str, people: int) -> Stock:
    """The demo community, ``people`` Telegram volunteers, a delivery each (to a household), gate shifts."""
    engine, factory = open_database(url)
    now = utcnow()
    with transaction(factory) as session:
        seeded = seed_demo(session=session, now=now, seed=1)
        community = session.get_one(Community, seeded.community_id)
        # A team of the run's volunteers alone: auto-assignment fills its shifts with people the run can reach
        team = create_team(session=session, actor=SETUP, community=community, name="故障演练队", now=now)
        households = list(session.scalars(select(Household).where(Household.community_id == community.id)))
        gates = list(session.scalars(select(Place).where(Place.community_id == community.id).limit(4)))
        users, deliveries, shifts = [], [], []
        for n in range(people):
            person = add_person(session=session, actor=SETUP, community=community, name=f"志愿者{n}")
            add_member(session=session, actor=SETUP, team=team, person=person)
            user = FIRST_ID + n
            link_account(
                session=session,
                actor=SETUP,
                person=person,
                network="telegram",
                external_id=str(user),
                dm_chat_id=str(user),
            )
            users.append(user)
            task = create_task(
                session=session,
                actor=SETUP,
                community=community,
                kind="delivery",
                title=f"送菜上门 {n}",
                team=team,
                household=households[n % len(households)],
                private_details="敲门前先打电话",
                due_at=now + timedelta(hours=6),
                now=now,
            )
            deliveries.append(task.id)
        start = now + timedelta(minutes=60, seconds=30)  # the 60-minute reminder falls inside the run
        for n in range(max(1, people // 4)):
            task = create_task(
                session=session,
                actor=SETUP,
                community=community,
                kind="gate_shift",
                title=f"卡口值守 {n}",
                team=team,
                place=gates[n % len(gates)],
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=4,
                now=now,
            )
            shifts.append(task.id)
    engine.dispose()
    return Stock(users, deliveries, shifts)


class OwnRedis:
    """A redis-server on a free port keeping nothing on disk: killed and started again empty."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(
            [*command, "--appendonly", "no", "--dir", str(self.folder)], stdout=subprocess.DEVNULL
        )
        wait_until(lambda: _pings(self.url), 10, "redis-server")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def _pings(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.ConnectionError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


@dataclass
class Process:
    """One ``coord`` command, started again after each kill; its output goes to a log file."""

    name: str
    args: list[str]
    env: dict[str, str]
    logs: Path
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0

    def start(self) -> None:
        log = (self.logs / f"{self.name}.log").open("ab")
        command = [sys.executable, "-m", "coord.entrypoints.cli", *self.args, "--log-level", "warning"]
        self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log, stderr=log)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Run:
    offered: list[tuple[int, float, str]] = field(default_factory=list)  # (user, when, text)
    faults: list[tuple[float, str]] = field(default_factory=list)
    settled_after: float = 0.0


def say(server: FakeTelegram, user: int, text: str) -> None:
    person = {"id": user, "is_bot": False, "first_name": f"V{user}", "language_code": "zh-hans"}
    server.say(person, {"id": user, "type": "private"}, "/" + text if not text.startswith("/") else text)


def end_connections(url: str) -> int:
    """Every other connection to the run's database ended by the server, mid-transaction or not."""
    engine, _ = open_database(url, pool_size=1)
    with engine.begin() as conn:
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    engine.dispose()
    return int(ended)


def fault(
    what: str, processes: dict[str, Process], own_redis: OwnRedis, url: str, server: FakeTelegram
) -> None:
    if what.startswith("kill"):
        victims = [processes[name] for name in processes if name in what]
        for victim in victims:
            victim.kill()
        time.sleep(1.0)
        for victim in victims:
            victim.start()
    elif what == "restart redis":
        own_redis.kill()
        time.sleep(1.0)
        own_redis.start()
    elif what == "end database connections":
        end_connections(url)
    elif what == "429 storm":
        server.rate_limit_next("sendMessage", retry_after=2, times=15)


def offer_load(
    server: FakeTelegram, stock: Stock, options: argparse.Namespace, run: Run, act: Callable[[str], None]
) -> None:
    count = int(options.rate * options.seconds)
    faults = list(FAULTS)
    started = time.monotonic()
    for i in range(count):
        time.sleep(max(0.0, started + i / options.rate - time.monotonic()))
        while faults and i >= faults[0][0] * count:
            what = faults.pop(0)[1]
            run.faults.append((time.monotonic() - started, what))
            act(what)
        n = i % len(stock.users)
        step = SCRIPT[(i // len(stock.users)) % len(SCRIPT)]
        words = step.format(delivery=stock.deliveries[n], shift=stock.shifts[n % len(stock.shifts)])
        run.offered.append((stock.users[n], time.monotonic(), words))
        say(server, stock.users[n], words)


def ours(session: Session, stock: Stock) -> Any:
    """The notifications to the run's volunteers (the demo's own people have no chat to be reached on)."""
    people = select(ChatAccount.person_id).where(
        ChatAccount.network == "telegram", ChatAccount.external_id.in_([str(u) for u in stock.users])
    )
    return Notification.person_id.in_(people.scalar_subquery())


def settled(factory: sessionmaker[Session], stock: Stock) -> bool:
    with factory() as session:
        waiting = select(func.count(Notification.id)).where(
            ours(session, stock),
            Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.FAILED]),
        )
        return session.scalar(waiting) == 0


def is_bot(call: Call) -> bool:
    return call.agent.startswith("python-telegram-bot")


def short_of_answers(run: Run, calls: list[Call]) -> int:
    """Commands beyond the bot's messages to their sender (every command gets at least one message)."""
    sent = Counter(c.chat_id for c in calls if is_bot(c) and c.method in ("sendMessage", "editMessageText"))
    asked = Counter(user for user, _when, _text in run.offered)
    return sum(max(0, n - sent[user]) for user, n in asked.items())


@dataclass
class Tally:
    commands: int = 0
    replies: int = 0
    unanswered: int = 0  # commands beyond the bot's messages to their senders
    unconfirmed: int = 0  # updates Telegram still holds: never answered
    notifications: int = 0
    sent: int = 0
    dead: int = 0
    waiting: int = 0
    worker_sends: int = 0
    marked: int = 0
    unmarked: int = 0
    lost_details: int = 0
    double_bookings: int = 0
    held_deliveries: int = 0


def tally(run: Run, server: FakeTelegram, factory: sessionmaker[Session], stock: Stock) -> Tally:
    calls = [c for c in server.calls if c.method == "sendMessage" and c.status == 200]
    answers = [c for c in server.calls if c.status == 200]
    result = Tally(commands=len(run.offered), unanswered=short_of_answers(run, answers))
    result.replies = sum(is_bot(c) and c.method in ("sendMessage", "editMessageText") for c in answers)
    result.unconfirmed = len(server.updates)
    worker = [c for c in calls if not is_bot(c)]
    result.worker_sends = len(worker)
    result.marked = sum(c.text.startswith(MARKS) for c in worker)
    repeats = Counter((c.chat_id, c.text) for c in worker if not c.text.startswith(MARKS))
    result.unmarked = sum(n - 1 for n in repeats.values() if n > 1)
    to_chat: dict[int, list[Call]] = defaultdict(list)
    for call in calls:
        if call.chat_id is not None:
            to_chat[call.chat_id].append(call)
    with factory() as session:
        statuses = Counter(session.scalars(select(Notification.status).where(ours(session, stock))))
        result.notifications = sum(statuses.values())
        result.sent, result.dead = statuses[NotificationStatus.SENT], statuses[NotificationStatus.DEAD]
        result.waiting = statuses[NotificationStatus.PENDING] + statuses[NotificationStatus.FAILED]
        holders = session.execute(
            select(Assignment.task_id, Assignment.person_id)
            .join(Task)
            .where(Assignment.state.in_(ACTIVE_STATES), Task.kind == "delivery")
        ).all()
        for task_id, person_id in holders:
            result.held_deliveries += 1
            details = private_text(session, session.get_one(Task, task_id))
            chat = _chat_of(session, person_id)
            got = [c for c in to_chat.get(chat, []) if details in c.text]
            if not got:
                result.lost_details += 1
            bot_first = any(is_bot(c) for c in got)
            # the details sent unmarked by a worker after a chat reply had carried them: an unmarked repeat
            result.unmarked += bot_first and any(not is_bot(c) and not c.text.startswith(MARKS) for c in got)
        result.double_bookings = _double_bookings(session)
    return result


def _chat_of(session: Session, person_id: int) -> int:
    chat = session.scalar(
        select(ChatAccount.dm_chat_id).where(
            ChatAccount.person_id == person_id, ChatAccount.network == "telegram"
        )
    )
    return int(chat or 0)


def _double_bookings(session: Session) -> int:
    over = session.scalar(
        select(func.count()).select_from(
            select(Assignment.task_id)
            .join(Task)
            .where(Assignment.state.in_(ACTIVE_STATES))
            .group_by(Assignment.task_id, Task.capacity)
            .having(func.count(Assignment.id) > Task.capacity)
            .subquery()
        )
    )
    mine, other = aliased(Assignment), aliased(Assignment)
    shift, other_shift = aliased(Task), aliased(Task)
    twice = session.scalar(  # one person holding two shifts that overlap in time
        select(func.count())
        .select_from(mine)
        .join(shift, shift.id == mine.task_id)
        .join(other, (other.person_id == mine.person_id) & (other.id > mine.id))
        .join(other_shift, other_shift.id == other.task_id)
        .where(
            mine.state.in_(ACTIVE_STATES),
            other.state.in_(ACTIVE_STATES),
            shift.starts_at < other_shift.ends_at,
            other_shift.starts_at < shift.ends_at,
        )
    )
    return int(over or 0) + int(twice or 0)


def measure(options: argparse.Namespace) -> tuple[Tally, Run, dict[str, Process]]:
    with throwaway_database("postgresql", options.pg_url) as url, tempfile.TemporaryDirectory() as folder:
        stock = prepare(url, options.people)
        logs = Path(options.logs or folder)
        logs.mkdir(parents=True, exist_ok=True)
        own_redis = OwnRedis(Path(folder))
        own_redis.start()
        server = FakeTelegram().start()
        server.opened.update(stock.users)
        env = {k: v for k, v in os.environ.items() if not k.startswith("COORD_")}
        env |= {
            "PYTHONPATH": str(ROOT),
            "COORD_DATABASE_URL": url,
            "COORD_REDIS_URL": own_redis.url,
            "COORD_TELEGRAM_TOKEN": TOKEN,
            "COORD_TELEGRAM_BASE_URL": server.base_url,
            "dramatiq_worker_timeout": "100",
        }
        processes = {
            "worker-1": Process("worker-1", ["worker", "--threads", "4"], env, logs),
            "worker-2": Process("worker-2", ["worker", "--threads", "4"], env, logs),
            "scheduler-1": Process("scheduler-1", ["scheduler"], env, logs),
            "scheduler-2": Process("scheduler-2", ["scheduler"], env, logs),
            "bot": Process("bot", ["bot", "telegram"], env, logs),
        }
        run = Run()
        engine, factory = open_database(url, pool_size=2)
        try:
            for process in processes.values():
                process.start()
            server.wait_for(lambda: any(c.method == "getUpdates" for c in server.calls), timeout=60)
            offer_load(
                server, stock, options, run, lambda what: fault(what, processes, own_redis, url, server)
            )
            began = time.monotonic()

            def quiet() -> bool:
                return settled(factory, stock) and not server.updates

            while time.monotonic() - began < options.settle:
                time.sleep(3)  # a reply or a send under way lands; a new reminder shows up
                if quiet():
                    time.sleep(3)
                    if quiet():
                        break
            run.settled_after = time.monotonic() - began
            result = tally(run, server, factory, stock)
        finally:
            for process in processes.values():
                process.stop()
            engine.dispose()
            server.stop()
            own_redis.kill()
        return result, run, processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_database_options(parser, default="postgresql")
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--rate", type=float, default=4.0)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument(
        "--settle", type=float, default=240.0, help="seconds to wait for the outbox to settle"
    )
    parser.add_argument("--logs", default="", help="keep the processes' logs in this folder")
    options = parser.parse_args()
    if not options.pg_url:
        raise SystemExit("bench.faults needs PostgreSQL: --pg-url or $COORD_TEST_DATABASE_URL")
    if shutil.which("redis-server") is None:
        raise SystemExit("bench.faults needs redis-server on the PATH")
    result, run, processes = measure(options)
    print("faults (s into the load): " + ", ".join(f"{at:.0f} {what}" for at, what in run.faults))
    print(
        f"outbox settled {run.settled_after:.0f} s after the load; kills: "
        + ", ".join(f"{p.name} {p.kills}" for p in processes.values())
    )
    lost = result.unanswered + result.unconfirmed + result.lost_details + result.waiting
    columns = (
        "commands",
        "bot replies",
        "unanswered",
        "updates unconfirmed",
        "notifications",
        "sent",
        "dead",
        "waiting",
        "worker sends",
        "marked repeats",
        "unmarked repeats",
        "deliveries held",
        "details lost",
        "lost in all",
        "double bookings",
    )
    row = (
        result.commands,
        result.replies,
        result.unanswered,
        result.unconfirmed,
        result.notifications,
        result.sent,
        result.dead,
        result.waiting,
        result.worker_sends,
        result.marked,
        result.unmarked,
        result.held_deliveries,
        result.lost_details,
        lost,
        result.double_bookings,
    )
    print_table(
        f"Faults: {options.people} volunteers, {options.rate:g} updates/s for {options.seconds:g} s, "
        "PostgreSQL + Redis",
        columns,
        [tuple(str(v) for v in row)],
        width=200,
    )
    if lost or result.unmarked or result.double_bookings:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
