"""The long-running processes of the command line: ``coord run`` (embedded), ``coord worker`` and
``coord bot`` (distributed).

They put the workers and the bots together (the gateways the delivery actor sends through, the bots' threads
beside the worker threads), so they live here, above both: ``workers`` and ``bots`` never import each other.
``coord scheduler`` needs neither the bots nor their gateways: it is ``workers.scheduler.run_scheduler``.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq import Broker, Worker

from coord.clock import Clock
from coord.services.operations.metrics import metrics_registry, serve_metrics
from coord.services.outbox.gateways import Gateway
from coord.settings import Settings
from workers.actors import Actors, declare_actors
from workers.broker import NAMESPACE, make_broker
from workers.metrics import dramatiq_metrics, metered
from workers.ratelimit import shared_limiter
from workers.runtime import Runtime, build_runtime
from workers.scheduler import TICK_SECONDS, Scheduler, leader_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from coord.web.serve import BackgroundBoard

log = logging.getLogger(__name__)


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGINT or SIGTERM (call from the main thread)."""

    def handler(signum: int, _frame: object) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def settle_heap() -> None:
    """Take what start-up built (imported modules, the engine, the bots) out of the garbage collector's sight.

    A full collection walks every tracked object; with all of SQLAlchemy, python-telegram-bot and
    matrix-nio loaded, one took 150–170 ms here and stalled every thread of the process, so answers
    queued behind it (p99 at 50 updates/s: 200–260 ms). What start-up made lives as long as the process,
    so it is collected once and frozen (``gc.freeze``); later collections see only what requests made.
    For the long-running commands only: frozen objects are never collected, which a test process calling
    these functions in a thread should not have done to it.
    """
    gc.collect()
    gc.freeze()


def run_embedded(
    settings: Settings,
    stop: threading.Event,
    *,
    gateways: Mapping[str, Gateway] | None = None,
    threads: int = 4,
    interval: float = TICK_SECONDS,
    clock: Clock | None = None,
    with_bots: bool = True,
    freeze_startup: bool = False,
) -> None:
    """One process: a StubBroker with in-process worker threads, the scheduler loop and the bots of the
    configured chat networks, until ``stop``. ``freeze_startup`` (the command line's choice, not a test's):
    :func:`settle_heap` once everything has started."""
    from bots import make_gateways, start_bots

    broker = make_broker(settings, embedded=True)
    dramatiq.set_broker(broker)
    runtime = build_runtime(settings, gateways=metered(gateways or make_gateways(settings)), clock=clock)
    actors = declare_actors(broker, runtime)
    metrics = start_metrics(settings, runtime.factory, broker)
    worker = Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    # The bots' replies take their slots from the workers' limiter: one token, one budget.
    bots = start_bots(settings, stop, factory=runtime.factory, limiter=runtime.limiter) if with_bots else []
    board = start_board(settings, runtime.factory, runtime.clock) if settings.web_port else None
    if freeze_startup:
        settle_heap()
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
        stop.set()
        for bot in bots:
            bot.join(timeout=30)
        if board is not None:
            board.stop()
        worker.stop()
        stop_metrics(metrics)
        log.info("embedded workers stopped")


def distributed_actors(
    settings: Settings, *, gateways: Mapping[str, Gateway] | None = None, namespace: str = NAMESPACE
) -> tuple[Broker, Actors, Runtime]:
    """The Redis broker, set as Dramatiq's, and the actors bound to the configured gateways (each send
    counted): what ``coord worker`` runs and what ``dramatiq workers.app`` loads."""
    from bots import make_gateways

    broker = make_broker(settings, embedded=False, namespace=namespace)
    dramatiq.set_broker(broker)
    gateways = metered(gateways or make_gateways(settings))
    runtime = build_runtime(settings, gateways=gateways, namespace=namespace)
    return broker, declare_actors(broker, runtime), runtime


def start_metrics(settings: Settings, factory: sessionmaker[Session], broker: Broker | None = None) -> Any:
    """Serve the metrics on ``COORD_METRICS_PORT`` (nothing when unset): coord's, the database's, and with
    ``broker`` Dramatiq's (its Prometheus middleware)."""
    if not settings.metrics_port:
        return None
    extra = [dramatiq_metrics(broker)] if broker is not None else []
    registry = metrics_registry(factory, extra=extra)
    return serve_metrics(settings.metrics_port, settings.metrics_listen, registry)


def stop_metrics(server: Any) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()


def start_board(settings: Settings, factory: sessionmaker[Session], clock: Clock) -> BackgroundBoard:
    """The web board on a thread of ``coord run`` (COORD_WEB_PORT set)."""
    from coord.web.serve import serve_in_background

    board = serve_in_background(settings, factory=factory, clock=clock)
    log.info("web board at %s", settings.web_address)
    return board


def run_worker(
    settings: Settings,
    stop: threading.Event,
    *,
    gateways: Mapping[str, Gateway] | None = None,
    threads: int = 8,
    namespace: str = NAMESPACE,
    freeze_startup: bool = False,
) -> None:
    """A worker process on Redis (``coord worker``) until ``stop``, as ``dramatiq workers.app`` is."""
    broker, _actors, runtime = distributed_actors(settings, gateways=gateways, namespace=namespace)
    metrics = start_metrics(settings, runtime.factory, broker)
    worker = Worker(broker, worker_threads=threads)
    worker.start()
    if freeze_startup:
        settle_heap()
    log.info("worker started (%d threads)", threads)
    try:
        stop.wait()
    finally:
        worker.stop()
        broker.close()
        stop_metrics(metrics)
        log.info("worker stopped")


def run_bots(
    settings: Settings, stop: threading.Event, *, names: list[str], freeze_startup: bool = False
) -> None:
    """The bots of ``names`` alone (``coord bot``, distributed mode): notifications go through workers."""
    from bots import start_bots
    from coord.db import engine_from_settings, make_session_factory

    engine = engine_from_settings(settings)
    metrics = start_metrics(settings, make_session_factory(engine))
    try:
        limiter = shared_limiter(settings)  # the workers' (in Redis): replies and notifications share it
        factory = make_session_factory(engine)
        threads = start_bots(settings, stop, factory=factory, names=names, limiter=limiter)
        if freeze_startup:
            settle_heap()
        log.info("bots started: %s", ", ".join(names))
        stop.wait()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        stop_metrics(metrics)
        engine.dispose()
