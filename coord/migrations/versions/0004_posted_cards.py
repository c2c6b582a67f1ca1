"""telegram: task cards posted in group chats, to edit them in place

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coord.models.base

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "posted_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("seen_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("posted_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_posted_card_task_id_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posted_card")),
        sa.UniqueConstraint(
            "network", "chat_id", "task_id", name=op.f("uq_posted_card_network_chat_id_task_id")
        ),
    )
    op.create_index(op.f("ix_posted_card_task_id"), "posted_card", ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_posted_card_task_id"), table_name="posted_card")
    op.drop_table("posted_card")
