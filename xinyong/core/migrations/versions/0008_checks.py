"""checks: each check (核查) of a subject by a department in a scenario, and its hits

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "checks",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_ref", sa.String(length=80), nullable=False),
        sa.Column("scenario", sa.String(length=32), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("checked_by", sa.String(length=120), nullable=False),
        sa.Column("checked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["departments.code"],
            name=op.f("fk_checks_department_code_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_checks_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
    )
    op.create_index("ix_checks_department", "checks", ["department_code", "checked_at"])
    op.create_index("ix_checks_subject", "checks", ["subject_id", "checked_at"])
    op.create_table(
        "check_hits",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("check_id", BIG_ID, nullable=False),
        sa.Column("measure_code", sa.String(length=32), nullable=False),
        sa.Column("list_code", sa.String(length=32), nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["checks.id"],
            name=op.f("fk_check_hits_check_id_checks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["list_entries.id"], name=op.f("fk_check_hits_entry_id_list_entries")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_check_hits_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_hits")),
    )
    op.create_index("ix_check_hits_check", "check_hits", ["check_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_check_hits_check", table_name="check_hits")
    op.drop_table("check_hits")
    op.drop_index("ix_checks_subject", table_name="checks")
    op.drop_index("ix_checks_department", table_name="checks")
    op.drop_table("checks")
