"""A Dramatiq worker process on Redis for the fault tests: it can stop dead in the middle of an actor.

    python -m tests.workers.worker_process DB_URL REDIS_URL NAMESPACE NOW [--pause-in WHERE]

Sends are recorded in the Redis lists ``NAMESPACE:sent`` (each real send's key) and ``NAMESPACE:texts``
(its text). With ``--pause-in`` the first send (``send``: before it goes out; ``receipt``: after it went
out, before its receipt is stored), or the first escalation step (``step``) or daily summary duty
(``summary``) just before its commit, sets the key ``NAMESPACE:inside`` and waits there forever, so the
test can kill the process with SIGKILL there.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from datetime import datetime
from typing import Any

import dramatiq
import redis
from dramatiq import Worker

from coord.clock import FrozenClock
from coord.db import make_engine, make_session_factory
from coord.models import Duty, DutyKind
from coord.services.escalation import climb as escalation
from coord.services.outbox.gateways import Limit, Outbound
from workers import actors as actor_module
from workers.actors import declare_actors
from workers.broker import redis_broker
from workers.ratelimit import RedisRateLimiter
from workers.runtime import Runtime


class RecordingGateway:
    network = "test"

    def __init__(self, client: Any, namespace: str, pause: str | None) -> None:
        self.client, self.namespace, self.pause = client, namespace, pause

    def limits(self, message: Outbound) -> list[Limit]:
        return []

    def send(self, message: Outbound) -> str:
        if self.pause == "send":
            hang(self.client, self.namespace)
        self.client.rpush(f"{self.namespace}:sent", message.key)
        self.client.rpush(f"{self.namespace}:texts", message.text)
        if self.pause == "receipt":
            hang(self.client, self.namespace)
        return message.key


def hang(client: Any, namespace: str) -> None:
    client.set(f"{namespace}:inside", "1")
    while True:
        time.sleep(1)


def pause_steps(client: Any, namespace: str) -> None:
    """Make the first escalation step stop after its work, before the actor commits it."""
    original = escalation.climb

    def climb_then_hang(**kwargs: Any) -> Any:
        result = original(**kwargs)
        hang(client, namespace)
        return result

    actor_module.climb = climb_then_hang  # type: ignore[assignment]


def pause_summaries(client: Any, namespace: str) -> None:
    """Make the first daily summary duty stop after its work (the summary written), before its commit."""
    original = actor_module.run_duty

    def duty_then_hang(**kwargs: Any) -> Any:
        result = original(**kwargs)
        if kwargs["session"].get(Duty, kwargs["duty_id"]).kind == DutyKind.DAILY_SUMMARY:
            hang(client, namespace)
        return result

    actor_module.run_duty = duty_then_hang


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("database", "redis", "namespace", "now"):
        parser.add_argument(name)
    parser.add_argument("--pause-in", choices=["send", "receipt", "step", "summary"])
    args = parser.parse_args()
    client = redis.Redis.from_url(args.redis)
    if args.pause_in == "step":
        pause_steps(client, args.namespace)
    if args.pause_in == "summary":
        pause_summaries(client, args.namespace)
    broker = redis_broker(args.redis, namespace=args.namespace, heartbeat_timeout=2_000)
    dramatiq.set_broker(broker)
    runtime = Runtime(
        factory=make_session_factory(make_engine(args.database)),
        clock=FrozenClock(datetime.fromisoformat(args.now)),
        gateways={"test": RecordingGateway(client, args.namespace, args.pause_in)},
        limiter=RedisRateLimiter(client, prefix=f"{args.namespace}:rate:"),
    )
    declare_actors(broker, runtime)
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    client.set(f"{args.namespace}:ready:{args.pause_in or 'plain'}", "1")
    stop.wait()
    worker.stop()


if __name__ == "__main__":
    main()
