"""List entries (名单成员): who is on which list, on what basis, since when, until when."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, BigId, UTCDateTime, str_enum, utcnow


class EntrySource(StrEnum):
    """How an entry came about."""

    RULE = "rule"  # a record matched the list's rule
    REACHED = "reached"  # 落实到人: an organisation's entry reached this person
    SUBMITTED = "submitted"  # 认定部门直接报送: the deciding department put it there
    DERIVED = "derived"  # from the absence of records (三年无不良记录)


class ExitReason(StrEnum):
    """Why an entry ended (移出原因)."""

    EXPIRY = "expiry"  # 期满移出
    REPAIR = "repair"  # 信用修复
    REVOCATION = "revocation"  # 撤销
    CORRECTION = "correction"  # 更正后不再符合
    INELIGIBLE = "ineligible"  # 不再符合条件 (a derived list: a bad record arrived)

    @property
    def label(self) -> str:
        """The Chinese name of the reason."""
        return {
            "expiry": "期满移出",
            "repair": "信用修复",
            "revocation": "撤销",
            "correction": "更正",
            "ineligible": "不再符合条件",
        }[self.value]


class ListEntry(Base):
    """One subject on one list because of one record (the basis); a derived entry rests
    on the absence of records and has none."""

    __tablename__ = "list_entries"
    __table_args__ = (
        Index("ix_list_entries_subject", "subject_id", "exited_on"),
        Index("ix_list_entries_record", "record_id", "list_code"),
        Index("ix_list_entries_list", "list_code", "exited_on", "entered_on"),
        Index("ix_list_entries_via", "via_entry_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    list_code: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    source: Mapped[EntrySource] = mapped_column(str_enum(EntrySource))
    via_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"), default=None)
    entered_on: Mapped[date] = mapped_column(Date)
    planned_exit: Mapped[date | None] = mapped_column(Date)
    exited_on: Mapped[date | None] = mapped_column(Date, default=None)
    exit_reason: Mapped[ExitReason | None] = mapped_column(str_enum(ExitReason), default=None)
    submitted_by: Mapped[str | None] = mapped_column(String(120), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)  # the deciding document etc.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
