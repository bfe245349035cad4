"""Batches, records with their revisions, and the quarantine of rejected rows."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, BigId, UTCDateTime, str_enum, utcnow


class BatchStatus(StrEnum):
    """Where a batch stands."""

    COMPLETED = "completed"  # every row stored or quarantined
    FAILED = "failed"  # the file could not be processed; nothing was stored


class Channel(StrEnum):
    """Which door a batch came through."""

    CLI = "cli"
    CONSOLE = "console"
    API = "api"
    DEMO = "demo"


class RecordStatus(StrEnum):
    """The life of a record (DESIGN: active, disputed, corrected, withdrawn, repaired, expired)."""

    ACTIVE = "active"
    DISPUTED = "disputed"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"
    REPAIRED = "repaired"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        """The Chinese name of the status."""
        return STATUS_LABELS[self]


STATUS_LABELS = {
    RecordStatus.ACTIVE: "有效",
    RecordStatus.DISPUTED: "异议处理中",
    RecordStatus.CORRECTED: "已更正",
    RecordStatus.WITHDRAWN: "已撤销",
    RecordStatus.REPAIRED: "已修复",
    RecordStatus.EXPIRED: "公示期满",
}


class Batch(Base):
    """One submission (归集批次): what came in, from whom, and what became of every row."""

    __tablename__ = "batches"
    __table_args__ = (Index("ix_batches_department", "department_code", "received_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dataset_code: Mapped[str] = mapped_column(ForeignKey("catalog_datasets.code"))
    dataset_version: Mapped[int]
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    submitted_by: Mapped[str] = mapped_column(String(120))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(16))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[BatchStatus] = mapped_column(str_enum(BatchStatus))
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_new: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_revised: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_unchanged: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_withdrawn: Mapped[int] = mapped_column(BigInteger, default=0)
    unknown_columns: Mapped[str] = mapped_column(Text, default="[]")
    # The catalogued columns of the file in order, [[header, field code or null]] (JSON):
    # with a record's data and differences they rebuild its original row. Null for batches
    # stored before revision 0003, whose records hold the whole row.
    source_columns: Mapped[str | None] = mapped_column(Text, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When its records went into the public search index (archive.search); null: not yet.
    indexed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The confidentiality review (保密审查) of its records: when and by whom; null: not yet.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reviewed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    duration_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class Record(Base):
    """The current version of one credit record (信用记录), identified by its business key."""

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("dataset_code", "business_key"),
        Index("ix_records_subject", "subject_id"),
        Index("ix_records_batch", "batch_id"),
        Index("ix_records_clock", "status", "display_until"),  # the sweep
        # The portal: a department's dates, newest first; the period's end in the entry, so
        # SQLite passes over records past their period without reading them (0015).
        Index("ix_records_department_date", "department_code", "decision_date", "display_until"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dataset_code: Mapped[str] = mapped_column(ForeignKey("catalog_datasets.code"))
    dataset_version: Mapped[int]
    business_key: Mapped[str] = mapped_column(String(400))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus))
    revision: Mapped[int]
    decision_date: Mapped[date | None] = mapped_column(Date)
    # The last day it may be shown (公示期限, archive.clocks); null: the rule sets no end.
    display_until: Mapped[date | None] = mapped_column(Date)
    data: Mapped[str] = mapped_column(Text)  # normalised values by field code, nulls left out
    # The columns whose value as sent differs from ``data`` (JSON by header): see provenance.
    original: Mapped[str] = mapped_column(Text)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    line: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordRevision(Base):
    """A superseded version of a record, kept readable for staff (nothing is lost)."""

    __tablename__ = "record_revisions"
    __table_args__ = (UniqueConstraint("record_id", "revision"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    revision: Mapped[int]
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus))
    dataset_version: Mapped[int]
    decision_date: Mapped[date | None] = mapped_column(Date)
    display_until: Mapped[date | None] = mapped_column(Date)
    data: Mapped[str] = mapped_column(Text)
    original: Mapped[str] = mapped_column(Text)
    department_code: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    line: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    superseded_by_batch: Mapped[int] = mapped_column(ForeignKey("batches.id"))


class RejectedRow(Base):
    """A row kept in quarantine with the reasons a clerk can act on."""

    __tablename__ = "rejected_rows"
    __table_args__ = (Index("ix_rejected_rows_batch", "batch_id", "line"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    line: Mapped[int] = mapped_column(BigInteger)
    original: Mapped[str] = mapped_column(Text)  # the row as sent (JSON, original headers)
    errors: Mapped[str] = mapped_column(Text)  # [{"field", "name", "value", "message"}] (JSON)
