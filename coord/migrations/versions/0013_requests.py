"""Residents' requests, building codes and group-buy runs (issue 16)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 08:00:00.000000

A placeholder in the chain until its change is written: it changes nothing.
"""

from collections.abc import Sequence

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
