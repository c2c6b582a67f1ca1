"""Privacy: the read log and retention (issue 19)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 08:00:00.000000

``private_read``: one row per read of a household's, task's or person's private details (who, when, which
channel). ``kept_household``: households whose watch-list details a coordinator keeps past retention.
``invite_failure``: failed invite redemptions, counted per chat account and in total to slow down
and refuse guessing. ``task.details_purged_at``: when retention purged a closed task's private details.
The duty kind ``privacy_purge``: the daily purge, a row with a due time like every other duty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("daily_summary", "materialise", "shift_end")
NEW_KINDS = (*OLD_KINDS, "privacy_purge")


def _kind(kinds: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*kinds, name="dutykind", native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    op.create_table(
        "private_read",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("what", sa.String(length=24), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_private_read_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_private_read_household_id_household")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_private_read_person_id_person")),
        sa.ForeignKeyConstraint(["reader_id"], ["person.id"], name=op.f("fk_private_read_reader_id_person")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_private_read_task_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_private_read")),
    )
    with op.batch_alter_table("private_read", schema=None) as batch_op:
        batch_op.create_index("ix_private_read_household", ["household_id", "at"], unique=False)
        batch_op.create_index("ix_private_read_person", ["person_id", "at"], unique=False)
        batch_op.create_index("ix_private_read_reader", ["reader_id", "at"], unique=False)
    op.create_table(
        "kept_household",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("kept_by_id", sa.Integer(), nullable=True),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_kept_household_household_id_household")
        ),
        sa.ForeignKeyConstraint(
            ["kept_by_id"], ["person.id"], name=op.f("fk_kept_household_kept_by_id_person")
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_kept_household")),
    )
    op.create_table(
        "invite_failure",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_failure")),
    )
    with op.batch_alter_table("invite_failure", schema=None) as batch_op:
        batch_op.create_index("ix_invite_failure_account", ["network", "external_id", "at"], unique=False)
        batch_op.create_index("ix_invite_failure_at", ["at"], unique=False)
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details_purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("duty", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kind(OLD_KINDS), type_=_kind(NEW_KINDS))


def downgrade() -> None:
    op.execute("DELETE FROM duty WHERE kind = 'privacy_purge'")
    with op.batch_alter_table("duty", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kind(NEW_KINDS), type_=_kind(OLD_KINDS))
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("details_purged_at")
    with op.batch_alter_table("invite_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_invite_failure_at")
        batch_op.drop_index("ix_invite_failure_account")
    op.drop_table("invite_failure")
    op.drop_table("kept_household")
    with op.batch_alter_table("private_read", schema=None) as batch_op:
        batch_op.drop_index("ix_private_read_reader")
        batch_op.drop_index("ix_private_read_person")
        batch_op.drop_index("ix_private_read_household")
    op.drop_table("private_read")
