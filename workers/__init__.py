"""The queue side of coord: Dramatiq actors, the scheduler tick and the scheduler process.

The core (``coord``) decides; this package only carries the work. Actors receive ids and tokens, open a
session and call one service; the scheduler tick finds due rows in the database and enqueues them.
Entry points here: ``workers.scheduler.run_scheduler`` (distributed, on Redis) and ``workers.app`` for the
``dramatiq`` command line. The processes that run workers beside the bots (``coord run``, ``coord worker``,
``coord bot``) are in ``coord.entrypoints.processes``: this package never imports the bots (import-linter).
"""
