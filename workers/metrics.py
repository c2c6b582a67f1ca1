"""Metrics of the workers: each send counted by network and outcome, and Dramatiq's own (its Prometheus
middleware: messages processed, errors, retries, durations per actor), served with coord's by the
process (``coord worker``, ``coord run``) on ``COORD_METRICS_PORT``."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from dramatiq import Broker
from dramatiq.middleware.prometheus import Prometheus
from prometheus_client.registry import Collector

from coord.metrics import NOTIFICATIONS, RATE_LIMITED
from coord.services.outbox.gateways import Gateway, Limit, Outbound, PermanentFailure, RateLimited


class MeteredGateway:
    """A gateway whose every send is counted: sent, rate_limited (and a 429), dead, failed."""

    def __init__(self, inner: Gateway) -> None:
        self.inner = inner
        self.network = inner.network

    def limits(self, message: Outbound) -> list[Limit]:
        return self.inner.limits(message)

    def send(self, message: Outbound) -> str:
        try:
            reference = self.inner.send(message)
        except RateLimited:
            RATE_LIMITED.labels(self.network).inc()
            NOTIFICATIONS.labels(self.network, "rate_limited").inc()
            raise
        except PermanentFailure:
            NOTIFICATIONS.labels(self.network, "dead").inc()
            raise
        except Exception:
            NOTIFICATIONS.labels(self.network, "failed").inc()
            raise
        NOTIFICATIONS.labels(self.network, "sent").inc()
        return reference

    def __getattr__(self, name: str) -> Any:  # idempotent, close, ...: the inner gateway's
        return getattr(self.inner, name)


def metered(gateways: Mapping[str, Gateway]) -> dict[str, Gateway]:
    return {name: MeteredGateway(gateway) for name, gateway in gateways.items()}


def dramatiq_metrics(broker: Broker) -> Collector:
    """Add Dramatiq's Prometheus middleware to ``broker`` for a worker run in this process (not by the
    ``dramatiq`` command, whose middleware serves on ``dramatiq_prom_port`` itself), and return what it
    records as a collector for coord's endpoint."""
    middleware = Prometheus()
    broker.add_middleware(middleware)
    # What the dramatiq command does in each worker process: the middleware makes its metrics. Here
    # prometheus_client is imported already, so they count in this process's memory (not in files).
    # It also points prometheus_client at a multiprocess directory through the environment, which this
    # process's children would inherit: put the environment back.
    saved = {name: os.environ.get(name) for name in MULTIPROCESS_VARIABLES}
    try:
        broker.emit_after("process_boot")
    finally:
        for name, before in saved.items():
            if before is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = before
    return _Middleware(middleware)


MULTIPROCESS_VARIABLES = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")


class _Middleware(Collector):
    """The metrics Dramatiq's middleware made (its registry is its own)."""

    NAMES = (
        "total_messages",
        "total_errored_messages",
        "total_retried_messages",
        "total_rejected_messages",
        "inprogress_messages",
        "inprogress_delayed_messages",
        "message_durations",
    )

    def __init__(self, middleware: Prometheus) -> None:
        self.middleware = middleware

    def collect(self) -> Iterator[Any]:
        for name in self.NAMES:
            metric = getattr(self.middleware, name, None)
            if metric is not None:
                yield from metric.collect()
