"""一长三员: a grid's leader and its registrar, medic and buyer

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 07:00:00.000000

A grid (an area) names its leader and three roles: the returnee registrar, the temperature-check medic and
the supplies buyer. They hear the escalations of work at the grid's places as well as the captain.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("leader", "registrar", "medic", "buyer")


def upgrade() -> None:
    with op.batch_alter_table("area", schema=None) as batch_op:
        for role in ROLES:
            batch_op.add_column(sa.Column(f"{role}_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_area_{role}_id_person"), "person", [f"{role}_id"], ["id"]
            )


def downgrade() -> None:
    with op.batch_alter_table("area", schema=None) as batch_op:
        for role in ROLES:
            batch_op.drop_constraint(batch_op.f(f"fk_area_{role}_id_person"), type_="foreignkey")
            batch_op.drop_column(f"{role}_id")
