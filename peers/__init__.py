"""Stand-ins for the chat networks' servers, for tests and benchmarks: a fake Telegram Bot API server
(Telegram cannot be reached from here) and a launcher for a real Synapse.

- ``peers.telegram_api``: the fake Bot API server (aiohttp, its own event loop in a thread);
- ``peers.synapse``: a real Synapse homeserver in its own virtual environment, and its users made by
  shared-secret registration;
- ``peers.matrix_people``: simulated people on Matrix, a matrix-nio client each.

Not part of the installed package (setuptools packages only coord, workers and bots): tests and benchmarks
run from the project root, where it is importable. Nothing in coord, bots or workers imports it (a contract
of import-linter in pyproject.toml).
"""
