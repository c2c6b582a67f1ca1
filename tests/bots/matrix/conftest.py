"""Fixtures for the Matrix tests: a real Synapse homeserver, started once per test session.

Synapse lives in its own virtual environment (its dependencies are many): ``COORD_TEST_SYNAPSE`` names
its Python (``.ci/run`` creates ``.synapse-venv`` and sets ``COORD_TEST_SYNAPSE=.synapse-venv/bin/python``);
without the variable, ``.synapse-venv/bin/python`` in the project is used if it exists. Without either,
the Matrix tests are skipped on a developer's machine and fail when ``CI=true``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from peers.synapse import Synapse

ROOT = Path(__file__).resolve().parents[3]
IN_CI = os.environ.get("CI", "").lower() == "true"


def synapse_python() -> str:
    configured = os.environ.get("COORD_TEST_SYNAPSE")
    candidate = Path(configured) if configured else ROOT / ".synapse-venv" / "bin" / "python"
    if not candidate.is_absolute():
        candidate = ROOT / candidate
    if candidate.exists():
        return str(candidate)
    reason = (
        f"no Synapse at {candidate}: create it with "
        "`python3.11 -m venv .synapse-venv && .synapse-venv/bin/pip install matrix-synapse` "
        "or set COORD_TEST_SYNAPSE to its python"
    )
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the Matrix tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """One homeserver for the whole session (it starts in about two seconds)."""
    server = Synapse(synapse_python(), tmp_path_factory.mktemp("synapse"))
    yield server
    server.stop()
