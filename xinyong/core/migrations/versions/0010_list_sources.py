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
    # Child-side indexes of the foreign keys to list_entries: SQLite checks each key of a
    # parent row it deletes (and rebuilding the table below deletes them all) by scanning
    # the child table without them: hours on the 5M city, seconds with them.
    op.create_index("ix_check_hits_entry", "check_hits", ["entry_id"])
    op.create_index("ix_list_entries_via", "list_entries", ["via_entry_id"])
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
    op.drop_index("ix_list_entries_via", table_name="list_entries")
    op.drop_index("ix_check_hits_entry", table_name="check_hits")
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("submitted_by")
        batch_op.alter_column("record_id", existing_type=BIG_ID, nullable=False)
