"""lists: entries of the red and black lists (名单成员), each with its basis record

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 17:00:00

Entries are derived from records (``lists.service.recompute``); the next ``xinyong sweep``
fills them for records already stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "list_entries",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("list_code", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column(
            "source",
            sa.Enum("rule", "reached", name="entrysource", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("via_entry_id", BIG_ID, nullable=True),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("planned_exit", sa.Date(), nullable=True),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.Column(
            "exit_reason",
            sa.Enum(
                "expiry",
                "repair",
                "revocation",
                "correction",
                name="exitreason",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_list_entries_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_list_entries_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["via_entry_id"],
            ["list_entries.id"],
            name=op.f("fk_list_entries_via_entry_id_list_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
    )
    op.create_index(
        "ix_list_entries_list", "list_entries", ["list_code", "exited_on", "entered_on"]
    )
    op.create_index("ix_list_entries_record", "list_entries", ["record_id", "list_code"])
    op.create_index("ix_list_entries_subject", "list_entries", ["subject_id", "exited_on"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_list_entries_subject", table_name="list_entries")
    op.drop_index("ix_list_entries_record", table_name="list_entries")
    op.drop_index("ix_list_entries_list", table_name="list_entries")
    op.drop_table("list_entries")
