"""The engine the demo runs: coord's own workers and scheduler, on a clock the simulation moves.

The actors are declared on a StubBroker exactly as ``coord run`` declares them, and the scheduler tick is
the real one. Instead of worker threads taking messages in whatever order they finish, each tick's
messages are run one after the other in the order the tick dispatched them, so one seed gives one day.
Messages leave through a ``MemoryGateway`` of the demo's network, which keeps them for the feed.
"""

from __future__ import annotations

from dramatiq.brokers.stub import StubBroker
from sqlalchemy import Engine

from coord.clock import FrozenClock
from coord.entrypoints.demo.world import NETWORK
from coord.services.outbox.gateways import MemoryGateway, Outbound
from coord.services.schedule.tick import Dispatch
from coord.settings import Settings
from workers.actors import declare_actors
from workers.leader import LocalLeaderLock
from workers.ratelimit import LocalRateLimiter
from workers.runtime import build_runtime
from workers.scheduler import Scheduler

#: Ticks at one moment before the simulation moves on: a tick's messages are delivered by the next one.
MAX_ROUNDS = 8


class Workers:
    """Workers, scheduler and gateway of one demo database."""

    def __init__(self, settings: Settings, engine: Engine, clock: FrozenClock) -> None:
        self.clock = clock
        self.gateway = MemoryGateway(NETWORK)
        self.runtime = build_runtime(
            settings, gateways={NETWORK: self.gateway}, clock=clock, engine=engine, limiter=LocalRateLimiter()
        )
        self.actors = declare_actors(StubBroker(), self.runtime)
        self._dispatched: list[Dispatch] = []
        self.scheduler = Scheduler(
            self.runtime.factory,
            clock=clock,
            enqueue=self._dispatched.append,
            leader=LocalLeaderLock(f"coord-demo:{engine.url}"),
            options=self.runtime.tick,
        )
        self._read = 0

    def run_due(self) -> list[Outbound]:
        """Tick and run what each tick dispatched, until nothing is due now; the messages sent meanwhile."""
        for _ in range(MAX_ROUNDS):
            self.scheduler.tick()
            if not self._dispatched:
                break
            batch = list(self._dispatched)
            self._dispatched.clear()
            for dispatch in batch:
                getattr(self.actors, dispatch.actor)(*dispatch.args)
        sent = self.gateway.sent[self._read :]
        self._read = len(self.gateway.sent)
        return sent

    def close(self) -> None:
        self.scheduler.leader.release()
