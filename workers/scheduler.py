"""The scheduler: every few seconds, if it leads, one tick finds due rows and enqueues them after commit.

The database is the truth and the broker carries hints (DESIGN.md invariant 1): the tick leases each due
row in its transaction and sends the messages only after the commit. A tick cut short between the two,
a lost message or a flushed Redis only delay the work until the lease runs out and a later tick finds
the row again; the actors' tokens make the second message harmless when the first was not lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from coord.clock import Clock
from coord.db import transaction
from coord.metrics import SCHEDULER_LEADER
from coord.services.operations.metrics import metrics_registry, serve_metrics
from coord.services.schedule.tick import Dispatch, TickOptions, collect_due
from coord.settings import Settings
from workers.broker import NAMESPACE
from workers.leader import LeaderLock, LocalLeaderLock, PostgresLeaderLock, RedisLeaderLock

log = logging.getLogger(__name__)
TICK_SECONDS = 2.0


@dataclass
class TickReport:
    leading: bool
    dispatched: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


class Scheduler:
    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        clock: Clock,
        enqueue: Callable[[Dispatch], None],
        leader: LeaderLock,
        options: TickOptions = TickOptions(),
    ) -> None:
        self.factory = factory
        self.clock = clock
        self.enqueue = enqueue
        self.leader = leader
        self.options = options

    def tick(self) -> TickReport:
        """One tick: lead or idle; lease what is due, commit, then enqueue it."""
        leading = self.leader.acquire()
        SCHEDULER_LEADER.set(1 if leading else 0)
        if not leading:
            return TickReport(leading=False)
        began = time.perf_counter()
        with transaction(self.factory) as session:
            dispatches = collect_due(session, now=self.clock.now(), options=self.options)
        report = TickReport(leading=True)
        for dispatch in dispatches:
            self.enqueue(dispatch)
            report.dispatched[dispatch.actor] += 1
        report.seconds = time.perf_counter() - began
        return report

    def run(self, stop: threading.Event, *, interval: float = TICK_SECONDS) -> None:
        """Tick until ``stop`` is set; a failed tick is logged and the next one tries again."""
        try:
            while not stop.is_set():
                try:
                    report = self.tick()
                    if report.dispatched:
                        log.info("tick: %s in %.0f ms", dict(report.dispatched), report.seconds * 1000)
                except Exception:
                    log.exception("scheduler tick failed; trying again in %.1f s", interval)
                stop.wait(interval)
        finally:
            self.leader.release()
            SCHEDULER_LEADER.set(0)


def leader_for(
    settings: Settings, factory: sessionmaker[Session], *, embedded: bool, namespace: str = NAMESPACE
) -> LeaderLock:
    """Redis when there is one, else a PostgreSQL advisory lock, else (embedded SQLite) an in-process lock."""
    if settings.redis_url and not embedded:
        import redis

        return RedisLeaderLock(redis.Redis.from_url(settings.redis_url), key=f"{namespace}:scheduler:leader")
    bind = factory.kw.get("bind")
    if bind is not None and bind.dialect.name == "postgresql":
        return PostgresLeaderLock(bind, name=f"{namespace}-scheduler")
    return LocalLeaderLock(settings.database_url)


def run_scheduler(
    settings: Settings, stop: threading.Event, *, interval: float = TICK_SECONDS, namespace: str = NAMESPACE
) -> None:
    """The distributed scheduler (``coord scheduler``): enqueues on Redis for ``coord worker`` processes."""
    import dramatiq

    from workers.actors import declare_actors
    from workers.broker import make_broker
    from workers.runtime import build_runtime

    broker = make_broker(settings, embedded=False, namespace=namespace)
    dramatiq.set_broker(broker)
    runtime = build_runtime(settings, namespace=namespace)
    actors = declare_actors(broker, runtime)
    leader = leader_for(settings, runtime.factory, embedded=False, namespace=namespace)
    scheduler = Scheduler(
        runtime.factory, clock=runtime.clock, enqueue=actors.enqueue, leader=leader, options=runtime.tick
    )
    metrics = None
    if settings.metrics_port:
        registry = metrics_registry(runtime.factory)
        metrics = serve_metrics(settings.metrics_port, settings.metrics_listen, registry)
    log.info("scheduler started; ticking every %.1f s", interval)
    try:
        scheduler.run(stop, interval=interval)
    finally:
        broker.close()
        if metrics is not None:
            metrics.shutdown()
            metrics.server_close()
