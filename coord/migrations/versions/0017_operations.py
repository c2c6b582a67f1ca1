"""Ecosystem and operations: phone numbers in E.164 (issue 20)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:00:00.000000

A community names the region its phone numbers are read in (``phone_region``, CN by default), and every
stored number of a person or a household is rewritten in E.164 (``13912345678`` becomes
``+8613912345678``), so that two spellings of one number are one person. A stored number that is not a
possible one is left as it was. Downgrading drops the region and keeps the numbers in E.164.
"""

from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _e164(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _rewrite(table: str) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            f"SELECT t.id, t.phone, c.phone_region FROM {table} t JOIN community c ON c.id = t.community_id "
            "WHERE t.phone <> ''"
        )
    ).all()
    for row_id, phone, region in rows:
        number = _e164(phone, region or "CN")
        if number is not None and number != phone:
            connection.execute(
                sa.text(f"UPDATE {table} SET phone = :phone WHERE id = :id"), {"phone": number, "id": row_id}
            )


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch would copy the community table on SQLite, which the
    # other tables' rows refer to.
    op.add_column(
        "community",
        sa.Column("phone_region", sa.String(length=2), server_default=sa.text("'CN'"), nullable=False),
    )
    _rewrite("person")
    _rewrite("household")


def downgrade() -> None:
    # DROP COLUMN: SQLite 3.35 and later have it.
    op.drop_column("community", "phone_region")
