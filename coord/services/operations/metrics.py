"""The metrics endpoint of a long-running process: coord's own metrics, what the database knows (read at
each scrape), and any other collector the process adds (Dramatiq's, in a worker)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import Clock, SystemClock
from coord.metrics import REGISTRY
from coord.services.operations.backlog import escalations_opened, outbox_backlog

log = logging.getLogger(__name__)


class DatabaseCollector(Collector):
    """The outbox backlog, the age of the oldest waiting notification and escalations opened, read from the
    database when Prometheus asks (so every process reports the same figures, whoever made them)."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock | None = None) -> None:
        self.factory = factory
        self.clock = clock or SystemClock()

    def collect(self) -> Iterator[Any]:
        try:
            with self.factory() as session:
                backlog = outbox_backlog(session, now=self.clock.now())
                opened = escalations_opened(session)
        except Exception as exc:  # the database is away: say so by leaving the figures out
            log.warning("metrics: cannot read the database: %s", type(exc).__name__)
            return
        yield GaugeMetricFamily(
            "coord_outbox_backlog", "Notifications waiting to be sent", value=backlog.waiting
        )
        yield GaugeMetricFamily(
            "coord_outbox_oldest_pending_seconds",
            "How long the oldest waiting notification has waited (0 when none waits)",
            value=backlog.oldest_seconds,
        )
        yield GaugeMetricFamily(
            "coord_outbox_dead", "Notifications given up on (in the table)", value=backlog.dead
        )
        yield CounterMetricFamily("coord_escalations_opened", "Escalations opened", value=opened)


def metrics_registry(
    factory: sessionmaker[Session] | None = None,
    *,
    extra: Iterable[Collector] = (),
    clock: Clock | None = None,
) -> CollectorRegistry:
    """A registry of coord's metrics, the database's (with ``factory``) and ``extra`` collectors."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_Forward(REGISTRY))
    if factory is not None:
        registry.register(DatabaseCollector(factory, clock))
    for collector in extra:
        registry.register(collector)
    return registry


def serve_metrics(port: int | None, listen: str, registry: CollectorRegistry) -> Any:
    """Serve ``registry`` at ``http://listen:port/metrics`` in a thread; nothing when ``port`` is unset."""
    if not port:
        return None
    server, _thread = start_http_server(port, addr=listen, registry=registry)
    log.info("metrics on http://%s:%d/metrics", listen, server.server_port)
    return server


class _Forward(Collector):
    """Another registry's metrics, as one collector."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Any]:
        yield from self.source.collect()
