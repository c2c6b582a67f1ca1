"""A shift closes when it ends (issue 15's last points)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 08:00:00.000000

A placeholder in the chain until its change is written: it changes nothing.
"""

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
