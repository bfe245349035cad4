"""objections: cases against records (异议), their attachments, notices to subjects

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUS = ("active", "disputed", "corrected", "withdrawn", "repaired", "expired")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "objection_cases",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column(
            "ground",
            _enum(
                "ground",
                "wrong",
                "incomplete",
                "duplicated",
                "not_public",
                "past_period",
                "differs_at_source",
            ),
            nullable=False,
        ),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=120), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("filed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("record_revision", sa.Integer(), nullable=False),
        sa.Column("status_before", _enum("recordstatus", *STATUS), nullable=False),
        sa.Column(
            "stage",
            _enum("stage", "received", "checking", "verifying", "answered", "refused", "decided"),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("accepted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=120), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("outcome", _enum("outcome", "corrected", "withdrawn", "upheld"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["departments.code"],
            name=op.f("fk_objection_cases_department_code_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_objection_cases_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_objection_cases_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_cases")),
    )
    op.create_index("ix_objection_cases_record", "objection_cases", ["record_id", "stage"])
    op.create_index("ix_objection_cases_subject", "objection_cases", ["subject_id", "filed_at"])
    op.create_index("ix_objection_cases_stage", "objection_cases", ["stage", "due_on"])
    op.create_table(
        "objection_attachments",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["objection_cases.id"],
            name=op.f("fk_objection_attachments_case_id_objection_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_attachments")),
    )
    op.create_index("ix_objection_attachments_case", "objection_attachments", ["case_id"])
    op.create_table(
        "subject_notices",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_notices_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_notices")),
    )
    op.create_index("ix_subject_notices_subject", "subject_notices", ["subject_id", "created_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_subject_notices_subject", table_name="subject_notices")
    op.drop_table("subject_notices")
    op.drop_index("ix_objection_attachments_case", table_name="objection_attachments")
    op.drop_table("objection_attachments")
    op.drop_index("ix_objection_cases_stage", table_name="objection_cases")
    op.drop_index("ix_objection_cases_subject", table_name="objection_cases")
    op.drop_index("ix_objection_cases_record", table_name="objection_cases")
    op.drop_table("objection_cases")
