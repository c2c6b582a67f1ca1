"""one head: the two branches meet, and the PostgreSQL-only claim functions go

Revision ID: 0007
Revises: 0004, 0006
Create Date: 2026-12-06 05:00:00.000000

Claims take the same path on both databases now (``coord.services.work``): the claim rule is one Python
function, the slot is taken by one conditional UPDATE plus the unique index on (task, person). The stored
functions of 0005 (``coord_take_slot``) and 0006 (``coord_claim``) were second copies of those rules, so
they are dropped. Going down brings them back from those revisions' own text, not from a copy here.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: tuple[str, ...] = ("0004", "0006")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TAKE_SLOT_ARGUMENTS = "integer, integer, integer, timestamptz, integer, varchar, varchar"
CLAIM_ARGUMENTS = "integer, integer, timestamptz, varchar"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS coord_claim({CLAIM_ARGUMENTS})")
        op.execute(f"DROP FUNCTION IF EXISTS coord_take_slot({TAKE_SLOT_ARGUMENTS})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        script = op.get_context().script
        assert script is not None
        op.execute(script.get_revision("0005").module.TAKE_SLOT)
        op.execute(script.get_revision("0006").module.CLAIM)
