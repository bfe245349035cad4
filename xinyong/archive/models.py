"""Confidentiality holds (保密审查), issued credit reports (信用报告), and the exchange feed
of status changes for the platforms above and below (信用信息交换)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, BigId, UTCDateTime, utcnow


class PublicationHold(Base):
    """A record a reviewer holds back from publication, with the reason; one per record.

    Releasing a hold deletes its row; the audit trail keeps both acts."""

    __tablename__ = "publication_holds"

    record_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(Text)
    held_by: Mapped[str] = mapped_column(String(120))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IssuedReport(Base):
    """A credit report as issued: its number, what it said, and the platform's signature."""

    __tablename__ = "issued_reports"
    __table_args__ = (Index("ix_issued_reports_subject", "subject_id", "issued_at"),)

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    as_of: Mapped[date] = mapped_column(Date)  # the day whose live records it shows
    issued_by: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(200))
    # The report's content as canonical JSON; its SHA-256 is what the signature covers.
    content: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))  # Ed25519, hex
    key_id: Mapped[str] = mapped_column(String(16))  # which platform key signed it


class ExchangeEvent(Base):
    """A record's status changed by a rights case (repaired, withdrawn, disputed, restored):
    what the upper and lower platforms must apply to their copies, in order, by ``sync_due``."""

    __tablename__ = "exchange_events"
    __table_args__ = (Index("ix_exchange_events_record", "record_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)  # the feed's cursor
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    dataset_code: Mapped[str] = mapped_column(String(32))
    business_key: Mapped[str] = mapped_column(String(400))
    department_code: Mapped[str] = mapped_column(String(32))
    status_from: Mapped[str] = mapped_column(String(32))
    status_to: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sync_due: Mapped[date] = mapped_column(Date)  # standards.md: within 3 working days
