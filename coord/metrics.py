"""coord's own Prometheus metrics, in a registry of their own (``REGISTRY``).

Counted where they happen, in the process they happen in: sends by network and outcome (the workers'
gateways), commands answered by network with their latency (the chat layer), whether this process's
scheduler leads. What the database knows (the outbox backlog, the oldest pending notification, escalations
opened) is read at scrape time by ``coord.services.operations.metrics``. Each long-running process serves
them on ``COORD_METRICS_PORT`` (deploy/README.md).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

NOTIFICATIONS = Counter(
    "coord_notifications",
    "Notification sends by chat network and outcome: sent, failed (will be tried again), dead (never will), "
    "rate_limited (the network answered 429)",
    ["network", "outcome"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "coord_rate_limited",
    "Answers 429 (too many requests) from a chat network",
    ["network"],
    registry=REGISTRY,
)
COMMANDS = Histogram(
    "coord_command_seconds",
    "Messages and button presses answered by the chat layer, by network, and how long each answer took",
    ["network"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
SCHEDULER_LEADER = Gauge(
    "coord_scheduler_leader",
    "1 while the scheduler of this process leads, 0 while it waits",
    registry=REGISTRY,
)
