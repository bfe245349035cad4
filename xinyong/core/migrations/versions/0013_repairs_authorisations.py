"""rights: repair cases (信用修复) and their evidence, authorisations (授权查询), the
exchange feed of status changes

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-21 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "authorisations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("grantee_name", sa.String(length=200), nullable=False),
        sa.Column("grantee_code", sa.String(length=18), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column(
            "scope",
            sa.Enum("report", "check", name="scope", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("code_hint", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_authorisations_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorisations")),
        sa.UniqueConstraint("code_digest", name=op.f("uq_authorisations_code_digest")),
    )
    with op.batch_alter_table("authorisations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_authorisations_subject", ["subject_id", "created_at"], unique=False
        )

    op.create_table(
        "exchange_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("dataset_code", sa.String(length=32), nullable=False),
        sa.Column("business_key", sa.String(length=400), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("status_from", sa.String(length=32), nullable=False),
        sa.Column("status_to", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_due", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_exchange_events_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_events")),
    )
    with op.batch_alter_table("exchange_events", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_events_record", ["record_id"], unique=False)

    op.create_table(
        "repair_cases",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=120), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("filed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("record_revision", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "received",
                "approved",
                "rejected",
                "withdrawn",
                name="repairstage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["departments.code"],
            name=op.f("fk_repair_cases_department_code_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_repair_cases_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_repair_cases_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_cases")),
    )
    with op.batch_alter_table("repair_cases", schema=None) as batch_op:
        batch_op.create_index("ix_repair_cases_record", ["record_id", "stage"], unique=False)
        batch_op.create_index("ix_repair_cases_stage", ["stage", "due_on"], unique=False)
        batch_op.create_index("ix_repair_cases_subject", ["subject_id", "filed_at"], unique=False)

    op.create_table(
        "repair_attachments",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["repair_cases.id"],
            name=op.f("fk_repair_attachments_case_id_repair_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_attachments")),
    )
    with op.batch_alter_table("repair_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_repair_attachments_case", ["case_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("repair_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_attachments_case")

    op.drop_table("repair_attachments")
    with op.batch_alter_table("repair_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_cases_subject")
        batch_op.drop_index("ix_repair_cases_stage")
        batch_op.drop_index("ix_repair_cases_record")

    op.drop_table("repair_cases")
    with op.batch_alter_table("exchange_events", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_events_record")

    op.drop_table("exchange_events")
    with op.batch_alter_table("authorisations", schema=None) as batch_op:
        batch_op.drop_index("ix_authorisations_subject")

    op.drop_table("authorisations")
