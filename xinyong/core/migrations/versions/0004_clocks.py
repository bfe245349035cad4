"""clocks: each record's last display day (公示期限), indexed for the sweep

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 14:10:00

Existing records get their clock computed here from their data and the catalog's policies
(``archive.service.recompute_periods``, the same code ``xinyong sweep --recompute`` runs).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_until", sa.Date(), nullable=True))
        batch_op.create_index("ix_records_clock", ["status", "display_until"], unique=False)
    with op.batch_alter_table("record_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_until", sa.Date(), nullable=True))
    _backfill()


def _backfill() -> None:
    """Clocks for the records already stored (none on a fresh database)."""
    from xinyong.archive.service import recompute_periods
    from xinyong.catalog.loader import get_catalog
    from xinyong.core.settings import get_settings

    connection = op.get_bind()
    present = connection.execute(sa.text("SELECT DISTINCT dataset_code FROM records")).scalars()
    catalog = get_catalog(get_settings().catalog_dir)
    for code in list(present):
        if code in catalog.datasets:
            recompute_periods(connection, catalog.datasets[code], catalog.policies)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("record_revisions", schema=None) as batch_op:
        batch_op.drop_column("display_until")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_clock")
        batch_op.drop_column("display_until")
