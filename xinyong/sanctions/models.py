"""Checks (核查) and their hits: who checked whom, for what, and what applied."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, BigId, UTCDateTime, str_enum, utcnow


class Outcome(StrEnum):
    """What the implementing department did with a hit (反馈)."""

    APPLIED = "applied"  # 已采取措施
    NOT_APPLIED = "not_applied"  # 未采取（须说明理由）
    NOT_APPLICABLE = "not_applicable"  # 不适用


class Check(Base):
    """One check of one subject by a department, in a scenario, for a purpose."""

    __tablename__ = "checks"
    __table_args__ = (
        # The subject's query log (rights/querylog.py) reads their checks by audit entry.
        Index("ix_checks_subject", "subject_id", "audit_seq"),
        Index("ix_checks_department", "department_code", "checked_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), default=None)
    subject_ref: Mapped[str] = mapped_column(String(80))  # the code as asked, normalised
    scenario: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    purpose: Mapped[str] = mapped_column(String(200))
    checked_by: Mapped[str] = mapped_column(String(120))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hits: Mapped[int] = mapped_column(default=0)
    # The audit entry that logged this check with the rest of its group (null before 0017).
    audit_seq: Mapped[int | None] = mapped_column(BigInteger, default=None)


class CheckHit(Base):
    """A measure that applied in a check, and the list entry and record behind it."""

    __tablename__ = "check_hits"
    __table_args__ = (
        Index("ix_check_hits_check", "check_id"),
        Index("ix_check_hits_entry", "entry_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    measure_code: Mapped[str] = mapped_column(String(32))
    list_code: Mapped[str] = mapped_column(String(32))
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    mandatory: Mapped[bool]
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    feedback_by: Mapped[str | None] = mapped_column(String(120), default=None)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
