"""the four-colour watch list: who is responsible for a household, why its colour, when it is next looked at

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 09:00:00.000000

A household under watch gets the reason for its colour and when it was set, a named responsible person
(and for blue a doctor or medic), and its follow-up as a time-based duty the scheduler tick finds
(``watch_due_at``, fenced by ``watch_token``). Tasks the watch makes are one live task per key a day
(``uq_task_watch_occurrence``), and a task made from what a call found was needed names the call
(``origin_task_id``). A community says every how many days a green household is called back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coord.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCH_KEYS = "template_id IS NULL AND occurrence_key IS NOT NULL AND status <> 'cancelled'"


def upgrade() -> None:
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("green_call_days", sa.Integer(), server_default=sa.text("3"), nullable=False)
        )

    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("watch_reason", sa.Text(), server_default=sa.text("''"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("watch_set_at", coord.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("watch_lead_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("watch_medic_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("watch_due_at", coord.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("watch_token", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_household_watch_due_at"), ["watch_due_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_household_watch_lead_id_person"), "person", ["watch_lead_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_household_watch_medic_id_person"), "person", ["watch_medic_id"], ["id"]
        )

    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_task_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_task_origin_task_id_task"), "task", ["origin_task_id"], ["id"]
        )
        batch_op.create_index(
            "uq_task_watch_occurrence",
            ["occurrence_key"],
            unique=True,
            sqlite_where=sa.text(WATCH_KEYS),
            postgresql_where=sa.text(WATCH_KEYS),
        )


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_task_watch_occurrence", sqlite_where=sa.text(WATCH_KEYS), postgresql_where=sa.text(WATCH_KEYS)
        )
        batch_op.drop_constraint(batch_op.f("fk_task_origin_task_id_task"), type_="foreignkey")
        batch_op.drop_column("origin_task_id")

    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_household_watch_medic_id_person"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_household_watch_lead_id_person"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_household_watch_due_at"))
        batch_op.drop_column("watch_token")
        batch_op.drop_column("watch_due_at")
        batch_op.drop_column("watch_medic_id")
        batch_op.drop_column("watch_lead_id")
        batch_op.drop_column("watch_set_at")
        batch_op.drop_column("watch_reason")

    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("green_call_days")
