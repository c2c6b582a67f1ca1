"""The coordinators' web board: sign-in links and sessions (issue 17)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:00:00.000000

One-time sign-in links and browser sessions (only the SHA-256 of each token is kept), and the board's
base URL, written by the web process so the bot can send links to it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coord.models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _token_table(name: str, *extra: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        *extra,
        sa.Column("created_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f(f"fk_{name}_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{name}_token_hash")),
    )
    op.create_index(op.f(f"ix_{name}_person_id"), name, ["person_id"], unique=False)


def upgrade() -> None:
    _token_table("web_link", sa.Column("used_at", coord.models.base.UTCDateTime(timezone=True), nullable=True))
    _token_table(
        "web_session",
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("ended_at", coord.models.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "web_site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("updated_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_site")),
    )


def downgrade() -> None:
    op.drop_table("web_site")
    op.drop_index(op.f("ix_web_session_person_id"), table_name="web_session")
    op.drop_table("web_session")
    op.drop_index(op.f("ix_web_link_person_id"), table_name="web_link")
    op.drop_table("web_link")
