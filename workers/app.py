"""The module the ``dramatiq`` command line loads: ``dramatiq workers.app --processes 2 --threads 8``.

It builds exactly what ``coord worker`` runs (``coord.entrypoints.processes.distributed_actors``: the Redis
broker and the actors bound to the configured chat networks' gateways), so a notification sent by either
reaches the same network. Unlike the rest of coord, it builds its settings at import time, because that
is how the ``dramatiq`` command line finds a broker and its actors; nothing else imports it.
"""

from __future__ import annotations

from coord.entrypoints.processes import distributed_actors
from coord.settings import load_settings

broker, actors = distributed_actors(load_settings())
