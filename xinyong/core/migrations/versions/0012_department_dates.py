"""department dates: an index for the portal's department + date-range searches

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_records_department_date", "records", ["department_code", "decision_date"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_records_department_date", table_name="records")
