"""A shift closes when it ends; a community names its party secretary (issue 15's last points)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 08:00:00.000000

A duty row per shift whose end has passed (``duty.kind = 'shift_end'``, ``duty.task_id``): at the end the
holders still at work are recorded as finished by it and the task is done. Shifts are found by their end
(``ix_task_ends_at``). A community names its party secretary (``community.party_secretary_id``), who gets
a red household's follow-up with the named responsible person.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("daily_summary", "materialise")
NEW_KINDS = (*OLD_KINDS, "shift_end")


def _kind(kinds: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*kinds, name="dutykind", native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    with op.batch_alter_table("duty", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kind(OLD_KINDS), type_=_kind(NEW_KINDS))
        batch_op.add_column(sa.Column("task_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_duty_task_id_task"), "task", ["task_id"], ["id"])
        batch_op.create_unique_constraint(batch_op.f("uq_duty_task_id"), ["task_id"])
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_ends_at", ["ends_at"], unique=False)
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party_secretary_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_community_party_secretary_id_person"), "person", ["party_secretary_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_community_party_secretary_id_person"), type_="foreignkey")
        batch_op.drop_column("party_secretary_id")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_ends_at")
    op.execute("DELETE FROM duty WHERE kind = 'shift_end'")
    with op.batch_alter_table("duty", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_duty_task_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_duty_task_id_task"), type_="foreignkey")
        batch_op.drop_column("task_id")
        batch_op.alter_column("kind", existing_type=_kind(NEW_KINDS), type_=_kind(OLD_KINDS))
