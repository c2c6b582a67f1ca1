"""Benchmark: 10,000 notifications due at once, through a gateway that allows L messages a second.

The real path end to end: the scheduler loop (real clock, a tick every half second) leases due rows and
enqueues ``deliver`` messages on the broker (Redis, or the in-process StubBroker); worker threads render
each message, take a slot from the shared rate limiter (Redis) and send it to a fake network that keeps
Telegram-like rules strictly: at most L sends in any one-second window and one a second per chat, and
answers 429 with ``retry_after`` otherwise. Targets: drained at >= 0.95 L, zero 429s, zero duplicates.
Run: ``python -m bench.delivery [--db postgresql|sqlite|both] [--broker redis|stub] [--rate 100]
[--count 10000]``.
"""

from __future__ import annotations

import argparse
import collections
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import redis
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from bench.common import (
    NETWORK,
    add_database_options,
    add_redis_option,
    build_population,
    bulk_insert,
    each_database,
    open_database,
    print_table,
)
from coord.clock import SystemClock, utcnow
from coord.db import transaction
from coord.models import Notification
from coord.services.outbox.gateways import Limit, Outbound, RateLimited
from coord.services.schedule.tick import TickOptions
from workers.actors import declare_actors
from workers.broker import redis_broker
from workers.leader import LocalLeaderLock
from workers.ratelimit import RedisRateLimiter
from workers.runtime import Runtime
from workers.scheduler import Scheduler


@dataclass
class StrictNetwork:
    """A fake chat network that enforces its limits exactly and remembers every send."""

    rate: int
    network: str = NETWORK
    sends: list[tuple[float, str]] = field(default_factory=list)
    refused: int = 0
    refusals: collections.Counter[str] = field(default_factory=collections.Counter)
    _recent: collections.deque[float] = field(default_factory=collections.deque)
    _last_in_chat: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def limits(self, message: Outbound) -> list[Limit]:
        return [
            Limit(f"{self.network}:bot", self.rate, 1.0),
            Limit(f"{self.network}:chat:{message.chat_id}", 1, 1.0),
        ]

    def send(self, message: Outbound) -> str:
        with self._lock:
            now = time.monotonic()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            chat_wait = self._last_in_chat.get(message.chat_id, -10.0) + 1.0 - now
            if len(self._recent) >= self.rate or chat_wait > 0:
                self.refused += 1
                self.refusals["chat" if chat_wait > 0 else "bot"] += 1
                raise RateLimited(max(chat_wait, self._recent[0] + 1.0 - now if self._recent else 0.0))
            self._recent.append(now)
            self._last_in_chat[message.chat_id] = now
            self.sends.append((now, message.key))
            return message.key


def populate(factory: Any, count: int) -> None:
    now = utcnow()
    population = build_population(factory, volunteers=2400, teams=8, now=now - timedelta(days=1))
    people = population.volunteers
    rows = [
        {
            "community_id": population.community_id,
            "dedupe_key": f"bench:{n}",
            "person_id": people[n % len(people)],
            "msgid": "Reminder: task #{task_id} “{title}” starts at {start}, in {minutes} min. "
            "Check in when you are at your post.",
            "params": {"task_id": n, "title": "North gate", "start": "08:00", "minutes": 60},
            "buttons": [[{"label": "I'm at my post", "payload": f"i:{n}"}]],
            "private": False,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "last_error": "",
        }
        for n in range(count)
    ]
    with transaction(factory) as session:
        bulk_insert(session, Notification, rows)


def run(url: str, *, broker_kind: str, redis_url: str, rate: int, count: int, threads: int) -> dict[str, Any]:
    engine, factory = open_database(url, pool_size=threads + 4)
    populate(factory, count)
    namespace = f"coord-bench-{secrets.token_hex(4)}"
    client = redis.Redis.from_url(redis_url)
    network = StrictNetwork(rate)
    runtime = Runtime(
        factory=factory,
        clock=SystemClock(),
        gateways={NETWORK: network},
        limiter=RedisRateLimiter(client, prefix=f"{namespace}:rate:"),
    )
    broker = StubBroker() if broker_kind == "stub" else redis_broker(redis_url, namespace=namespace)
    actors = declare_actors(broker, runtime)
    worker = Worker(broker, worker_threads=threads, worker_timeout=100)
    scheduler = Scheduler(
        factory,
        clock=runtime.clock,
        enqueue=actors.enqueue,
        leader=LocalLeaderLock(namespace),
        options=TickOptions(batch=1000),
    )
    stop = threading.Event()
    loop = threading.Thread(target=scheduler.run, args=(stop,), kwargs={"interval": 0.5})
    began = time.monotonic()
    worker.start()
    loop.start()
    try:
        while _unsent(factory) and time.monotonic() - began < count / rate * 3 + 60:
            time.sleep(1)
    finally:
        stop.set()
        loop.join()
        worker.stop()
        broker.close()
        for key in client.scan_iter(match=f"{namespace}*", count=1000):
            client.delete(key)
    unsent = _unsent(factory)
    engine.dispose()
    times = sorted(t for t, _ in network.sends)
    keys = [k for _, k in network.sends]
    drained = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return {
        "sent": len(keys),
        "duplicates": len(keys) - len(set(keys)),
        "refused": network.refused,
        "refusals": dict(network.refusals),
        "drained": drained,
        "unsent": unsent,
        "elapsed": time.monotonic() - began,
    }


def _unsent(factory: Any) -> int:
    with factory() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Notification).where(Notification.status != "sent")
            )
            or 0
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser, default="postgresql")
    parser.add_argument("--broker", choices=["redis", "stub"], default="redis")
    parser.add_argument("--rate", type=int, default=100, help="L: the network's limit, messages a second")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8)
    add_redis_option(parser)
    args = parser.parse_args()
    rows = []
    for kind, url in each_database(args):
        r = run(
            url,
            broker_kind=args.broker,
            redis_url=args.redis_url,
            rate=args.rate,
            count=args.count,
            threads=args.threads,
        )
        rows.append(
            (
                kind,
                args.broker,
                str(args.threads),
                f"{r['sent']:,}",
                f"{r['drained']:.1f}",
                f"{r['drained'] / args.rate:.3f}",
                " ".join([str(r["refused"]), *(f"({k} {v})" for k, v in r["refusals"].items())]),
                str(r["duplicates"]),
                str(r["unsent"]),
                f"{r['elapsed']:.0f}",
            )
        )
    print_table(
        f"{args.count:,} notifications due at once, network limit L = {args.rate}/s",
        (
            "database",
            "broker",
            "threads",
            "sent",
            "drained /s",
            "÷ L",
            "429s",
            "duplicates",
            "left unsent",
            "elapsed s",
        ),
        rows,
        left=("broker",),
    )


if __name__ == "__main__":
    main()
