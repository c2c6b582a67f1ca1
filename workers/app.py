"""The module the ``dramatiq`` command line loads: ``dramatiq workers.app --processes 2 --threads 8``.

It builds exactly what ``coord worker`` runs (``coord.entrypoints.processes.distributed_actors``: the Redis
broker and the actors bound to the configured chat networks' gateways), so a notification sent by either
reaches the same network. Unlike the rest of coord, it builds its settings at import time, because that
is how the ``dramatiq`` command line finds a broker and its actors; nothing else imports it.

Dramatiq's Prometheus middleware serves the metrics of every worker process on ``dramatiq_prom_port``
(default 9191): its own (messages, errors, retries, durations per actor) and coord's (sends by network
and outcome, 429s), which the processes write to the middleware's directory because prometheus_client
is pointed there before anything imports it.
"""

from __future__ import annotations

import os

from dramatiq.middleware.prometheus import DB_PATH, Prometheus  # imports no prometheus_client

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", DB_PATH)

from coord.entrypoints.processes import distributed_actors  # after the line above
from coord.settings import load_settings

broker, actors, _runtime = distributed_actors(load_settings())
broker.add_middleware(Prometheus())
