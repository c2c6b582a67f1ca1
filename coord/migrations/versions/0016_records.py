"""Records: work entered afterwards, hours, a community's own kinds (issue 18)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 08:00:00.000000

Work that happened on an earlier day can be entered afterwards (``task.entered_afterwards``: never reminded
or escalated); a slot's hours served can be set (entered, confirmed from the shift window, or corrected:
``assignment.hours``, else check-in to done); "since the start" counts from a community's start date
(``community.started_on``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_on", sa.Date(), nullable=True))
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("entered_afterwards", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hours", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("hours")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("entered_afterwards")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("started_on")
