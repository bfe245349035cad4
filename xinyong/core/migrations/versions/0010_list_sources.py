"""list sources: entries submitted by the deciding department, derived entries without a
basis record (三年无不良记录)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.alter_column("record_id", existing_type=BIG_ID, nullable=True)
        batch_op.add_column(sa.Column("submitted_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
    with op.batch_alter_table("check_hits", schema=None) as batch_op:
        batch_op.alter_column("record_id", existing_type=BIG_ID, nullable=True)


def downgrade() -> None:
    """Revert this revision (derived entries and their hits go: they have no record)."""
    op.execute("DELETE FROM check_hits WHERE record_id IS NULL")
    op.execute("DELETE FROM list_entries WHERE record_id IS NULL")
    with op.batch_alter_table("check_hits", schema=None) as batch_op:
        batch_op.alter_column("record_id", existing_type=BIG_ID, nullable=False)
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("submitted_by")
        batch_op.alter_column("record_id", existing_type=BIG_ID, nullable=False)
