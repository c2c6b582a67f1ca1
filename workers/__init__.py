"""The queue side of coord: Dramatiq actors, the scheduler tick and the entry points that run them.

The core (``coord``) decides; this package only carries the work. Actors receive ids and tokens, open a
session and call one service; the scheduler tick finds due rows in the database and enqueues them.
Entry points: ``workers.run.run_embedded`` (one process, SQLite, in-process workers),
``workers.run.run_worker`` and ``workers.scheduler.run_scheduler`` (distributed, on Redis), and
``workers.app`` for the ``dramatiq`` command line.
"""
