"""chat: guided conversations kept in the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:39:41.627764
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coord.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("chat_id", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=24), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("started_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_conversation_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
        sa.UniqueConstraint(
            "network", "user_id", "chat_id", name=op.f("uq_conversation_network_user_id_chat_id")
        ),
    )
    op.create_index(op.f("ix_conversation_expires_at"), "conversation", ["expires_at"], unique=False)
    op.create_index(op.f("ix_conversation_person_id"), "conversation", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_conversation_person_id"), table_name="conversation")
    op.drop_index(op.f("ix_conversation_expires_at"), table_name="conversation")
    op.drop_table("conversation")
