"""Records: work entered afterwards, hours, a community's own kinds (issue 18)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 08:00:00.000000

Work that happened on an earlier day can be entered afterwards (``task.entered_afterwards``: never reminded
or escalated); a slot's hours served can be set (entered, confirmed from the shift window, or corrected:
``assignment.hours``, else check-in to done); "since the start" counts from a community's start date
(``community.started_on``). A community adds its own kinds of work and their figures (``community_kind``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coord.models.base

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
    op.create_table(
        "community_kind",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("label_en", sa.String(length=80), nullable=False),
        sa.Column("label_zh", sa.String(length=80), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("shift", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_community_kind_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_community_kind_created_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_kind")),
        sa.UniqueConstraint("code", name=op.f("uq_community_kind_code")),
        sa.UniqueConstraint("community_id", "name", name=op.f("uq_community_kind_community_id_name")),
    )
    with op.batch_alter_table("community_kind", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_community_kind_community_id"), ["community_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("community_kind", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_kind_community_id"))
    op.drop_table("community_kind")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("hours")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("entered_afterwards")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("started_on")
