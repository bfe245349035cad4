"""checks name the audit entry that logged them: one entry per group of checks and asker

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22 00:40:00

A check used to be logged twice: its row in ``checks`` and a ``personal_data.read`` entry
of its own in the audit trail. Now a group of checks by one asker is one audit entry whose
detail carries a digest of the group's rows, and each row keeps that entry's ``seq``: the
query log reads a subject's checks by ``(subject_id, audit_seq)``, which replaces the index
by check time that nothing read. Checks logged before keep their own entries (and a null
``audit_seq``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("checks", sa.Column("audit_seq", sa.BigInteger(), nullable=True))
    op.drop_index("ix_checks_subject", table_name="checks")
    op.create_index("ix_checks_subject", "checks", ["subject_id", "audit_seq"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_checks_subject", table_name="checks")
    op.create_index("ix_checks_subject", "checks", ["subject_id", "checked_at"])
    with op.batch_alter_table("checks") as batch:
        batch.drop_column("audit_seq")
