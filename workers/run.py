"""Entry points for the command line: ``coord run`` (embedded) and ``coord worker`` (distributed)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping

import dramatiq
from dramatiq import Worker

from coord.clock import Clock
from coord.services.gateways import Gateway
from coord.settings import Settings
from workers.actors import declare_actors
from workers.broker import NAMESPACE, make_broker
from workers.runtime import build_runtime
from workers.scheduler import TICK_SECONDS, Scheduler, leader_for

log = logging.getLogger(__name__)


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGINT or SIGTERM (call from the main thread)."""

    def handler(signum: int, _frame: object) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def run_embedded(
    settings: Settings,
    stop: threading.Event,
    *,
    gateways: Mapping[str, Gateway] | None = None,
    threads: int = 4,
    interval: float = TICK_SECONDS,
    clock: Clock | None = None,
) -> None:
    """One process: a StubBroker with in-process worker threads and the scheduler loop, until ``stop``."""
    broker = make_broker(settings, embedded=True)
    dramatiq.set_broker(broker)
    runtime = build_runtime(settings, gateways=gateways, clock=clock)
    actors = declare_actors(broker, runtime)
    worker = Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    scheduler = Scheduler(
        runtime.factory,
        clock=runtime.clock,
        enqueue=actors.enqueue,
        leader=leader_for(settings, runtime.factory, embedded=True),
        options=runtime.tick,
    )
    log.info("embedded workers started (%d threads); ticking every %.1f s", threads, interval)
    try:
        scheduler.run(stop, interval=interval)
    finally:
        worker.stop()
        log.info("embedded workers stopped")


def run_worker(
    settings: Settings,
    stop: threading.Event,
    *,
    gateways: Mapping[str, Gateway] | None = None,
    threads: int = 8,
    namespace: str = NAMESPACE,
) -> None:
    """A worker process on Redis (``coord worker``) until ``stop``, as ``dramatiq workers.app`` is."""
    broker = make_broker(settings, embedded=False, namespace=namespace)
    dramatiq.set_broker(broker)
    declare_actors(broker, build_runtime(settings, gateways=gateways, namespace=namespace))
    worker = Worker(broker, worker_threads=threads)
    worker.start()
    log.info("worker started (%d threads)", threads)
    try:
        stop.wait()
    finally:
        worker.stop()
        broker.close()
        log.info("worker stopped")
