"""provenance: records keep only their differences from data; batches their column list

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 12:25:00

Batches stored before this revision have no column list (null): their records still hold
the whole row as sent, and ``provenance.original_row`` reads those as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_columns", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("source_columns")
