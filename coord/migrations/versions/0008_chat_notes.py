"""chat notes: the Matrix bot's direct chats and what it told strangers and encrypted rooms

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 09:00:00.000000

The Matrix bot kept these in ``rooms.json`` in its store directory, beside the database's record of each
person's direct chat; they are kept here now (the bot moves an old ``rooms.json`` in at its next start).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coord.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("direct", "stranger_told", "encrypted_told")


def upgrade() -> None:
    op.create_table(
        "chat_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=255), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="chatnotekind", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("noted_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_note")),
        sa.UniqueConstraint(
            "network", "chat_id", "kind", "user_id", name=op.f("uq_chat_note_network_chat_id_kind_user_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("chat_note")
