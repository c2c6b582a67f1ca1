"""Residents' requests, building codes and group-buy runs (issue 16)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 08:00:00.000000

A household's request from the order to the doorstep (``household_request``), the people who order for a
household (``resident``) and the code on each building's door (``building_code``), a community's group-buy
settings (``request_settings``), the daily cut-off as a duty row the scheduler tick finds
(``request_cutoff``) and the runs it makes per building or grid (``request_run``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coord.models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_cutoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("due_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("finished_at", coord.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_request_cutoff_community_id_community")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_cutoff")),
        sa.UniqueConstraint("community_id", "day", name=op.f("uq_request_cutoff_community_id_day")),
    )
    with op.batch_alter_table("request_cutoff", schema=None) as batch_op:
        batch_op.create_index("ix_request_cutoff_due", ["done", "run_at"], unique=False)

    op.create_table(
        "building_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("created_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["place.id"], name=op.f("fk_building_code_building_id_place")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_building_code_community_id_community")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building_code")),
        sa.UniqueConstraint("building_id", name=op.f("uq_building_code_building_id")),
        sa.UniqueConstraint("code", name=op.f("uq_building_code_code")),
    )
    with op.batch_alter_table("building_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_building_code_community_id"), ["community_id"], unique=False)

    op.create_table(
        "request_settings",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.Time(), nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "building", "grid", name="runscope", native_enum=False, create_constraint=True, length=24
            ),
            nullable=False,
        ),
        sa.Column("overdue_hours", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("run_due_hour", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_request_settings_community_id_community")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_request_settings_team_id_team")),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_request_settings")),
    )
    op.create_table(
        "resident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", coord.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["place.id"], name=op.f("fk_resident_building_id_place")),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["person.id"], name=op.f("fk_resident_confirmed_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_resident_household_id_household")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_resident_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident")),
        sa.UniqueConstraint("person_id", name=op.f("uq_resident_person_id")),
    )
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_household_id"), ["household_id"], unique=False)

    op.create_table(
        "request_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("cutoff_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("buy_task_id", sa.Integer(), nullable=True),
        sa.Column("run_task_id", sa.Integer(), nullable=True),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("created_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_request_run_area_id_area")),
        sa.ForeignKeyConstraint(["building_id"], ["place.id"], name=op.f("fk_request_run_building_id_place")),
        sa.ForeignKeyConstraint(["buy_task_id"], ["task.id"], name=op.f("fk_request_run_buy_task_id_task")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_request_run_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["cutoff_id"], ["request_cutoff.id"], name=op.f("fk_request_run_cutoff_id_request_cutoff")
        ),
        sa.ForeignKeyConstraint(["run_task_id"], ["task.id"], name=op.f("fk_request_run_run_task_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_run")),
    )
    with op.batch_alter_table("request_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_run_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_run_cutoff_id"), ["cutoff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_run_run_task_id"), ["run_task_id"], unique=False)

    op.create_table(
        "household_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("items_key", sa.String(length=500), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("heavy", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "chat",
                "desk",
                "captain",
                "call",
                name="requestchannel",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("desk_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "accepted",
                "on_the_way",
                "delivered",
                "not_at_home",
                "retried",
                "refused",
                "cancelled",
                name="requeststatus",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("created_at", coord.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", coord.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_the_way_at", coord.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", coord.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("receipt_confirmed_at", coord.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["place.id"], name=op.f("fk_household_request_building_id_place")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_household_request_community_id_community")
        ),
        sa.ForeignKeyConstraint(["desk_id"], ["place.id"], name=op.f("fk_household_request_desk_id_place")),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["household_request.id"],
            name=op.f("fk_household_request_duplicate_of_id_household_request"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["person.id"], name=op.f("fk_household_request_entered_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_household_request_household_id_household")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["person.id"], name=op.f("fk_household_request_resident_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["request_run.id"], name=op.f("fk_household_request_run_id_request_run")
        ),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_household_request_task_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_request")),
    )
    with op.batch_alter_table("household_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_household_request_community_status", ["community_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_household_request_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_request_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_request_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("household_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_request_task_id"))
        batch_op.drop_index(batch_op.f("ix_household_request_run_id"))
        batch_op.drop_index(batch_op.f("ix_household_request_household_id"))
        batch_op.drop_index("ix_household_request_community_status")

    op.drop_table("household_request")
    with op.batch_alter_table("request_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_run_run_task_id"))
        batch_op.drop_index(batch_op.f("ix_request_run_cutoff_id"))
        batch_op.drop_index(batch_op.f("ix_request_run_community_id"))

    op.drop_table("request_run")
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_household_id"))

    op.drop_table("resident")
    op.drop_table("request_settings")
    with op.batch_alter_table("building_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_building_code_community_id"))

    op.drop_table("building_code")
    with op.batch_alter_table("request_cutoff", schema=None) as batch_op:
        batch_op.drop_index("ix_request_cutoff_due")

    op.drop_table("request_cutoff")
