"""Ecosystem and operations: phone numbers in E.164 (issue 20)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:00:00.000000

A placeholder in the chain until its change is written: it changes nothing.
"""

from collections.abc import Sequence

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
