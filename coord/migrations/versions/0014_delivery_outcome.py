"""Nothing lost across crashes: a send's outcome and its lease (issue 21)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 08:00:00.000000

A notification remembers a send under way (``sending_since``), whether its one marked repeat went out
(``repeated``) and until when a reminder or alert is still worth repeating (``repeat_until``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coord.models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sending_since", coord.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("repeated", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column("repeat_until", coord.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.alter_column("repeated", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("repeat_until")
        batch_op.drop_column("repeated")
        batch_op.drop_column("sending_since")
