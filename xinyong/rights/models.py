"""Objection (异议) and repair (信用修复) cases with their attachments, authorisations
(授权查询), and notices to subjects."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, BigId, UTCDateTime, str_enum, utcnow
from xinyong.ingest.models import RecordStatus


class Ground(StrEnum):
    """Why a record is contested (standards.md, Objections)."""

    WRONG = "wrong"  # 信息错误
    INCOMPLETE = "incomplete"  # 信息不完整
    DUPLICATED = "duplicated"  # 信息重复
    NOT_PUBLIC = "not_public"  # 不应公开
    PAST_PERIOD = "past_period"  # 超过公示期限仍在公示
    DIFFERS_AT_SOURCE = "differs_at_source"  # 与认定部门所掌握的不一致

    @property
    def label(self) -> str:
        """The Chinese name of the ground."""
        return GROUND_LABELS[self]


GROUND_LABELS = {
    Ground.WRONG: "信息错误",
    Ground.INCOMPLETE: "信息不完整",
    Ground.DUPLICATED: "信息重复",
    Ground.NOT_PUBLIC: "不应公开",
    Ground.PAST_PERIOD: "超过公示期限仍在公示",
    Ground.DIFFERS_AT_SOURCE: "与认定部门所掌握的信息不一致",
}


class Stage(StrEnum):
    """Where a case stands (受理 → 平台核查 → 部门核实 → 办结)."""

    RECEIVED = "received"  # 已提交，待受理
    CHECKING = "checking"  # 已受理，平台核查中
    VERIFYING = "verifying"  # 已转信息提供单位核实
    ANSWERED = "answered"  # 信息提供单位已答复，待办结
    REFUSED = "refused"  # 不予受理
    DECIDED = "decided"  # 已办结

    @property
    def label(self) -> str:
        """The Chinese name of the stage."""
        return STAGE_LABELS[self]

    @property
    def open(self) -> bool:
        """Whether the case still runs (the record stays disputed)."""
        return self not in (Stage.REFUSED, Stage.DECIDED)


STAGE_LABELS = {
    Stage.RECEIVED: "待受理",
    Stage.CHECKING: "平台核查中",
    Stage.VERIFYING: "信息提供单位核实中",
    Stage.ANSWERED: "待办结",
    Stage.REFUSED: "不予受理",
    Stage.DECIDED: "已办结",
}


class Outcome(StrEnum):
    """How a case ended."""

    CORRECTED = "corrected"  # 已更正
    WITHDRAWN = "withdrawn"  # 已撤销
    UPHELD = "upheld"  # 维持原记录

    @property
    def label(self) -> str:
        """The Chinese name of the outcome."""
        return {"corrected": "已更正", "withdrawn": "已撤销", "upheld": "维持原记录"}[self.value]


class ObjectionCase(Base):
    """One objection against one record, with its stages, deadlines and outcome."""

    __tablename__ = "objection_cases"
    __table_args__ = (
        Index("ix_objection_cases_record", "record_id", "stage"),
        Index("ix_objection_cases_subject", "subject_id", "filed_at"),
        Index("ix_objection_cases_stage", "stage", "due_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))  # the source
    ground: Mapped[Ground] = mapped_column(str_enum(Ground))
    statement: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(120))
    on_behalf: Mapped[bool] = mapped_column(default=False)  # filed by staff for the subject
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    record_revision: Mapped[int] = mapped_column(Integer)  # the revision contested
    status_before: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus))
    stage: Mapped[Stage] = mapped_column(str_enum(Stage))
    due_on: Mapped[date | None] = mapped_column(Date)  # the current stage's deadline
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    answer: Mapped[str | None] = mapped_column(Text, default=None)  # the department's finding
    answered_by: Mapped[str | None] = mapped_column(String(120), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)  # refusal or decision


class AttachmentColumns:
    """Proof attached to a case (PDF or image), kept in the database with the case."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ObjectionAttachment(AttachmentColumns, Base):
    """Proof attached to an objection."""

    __tablename__ = "objection_attachments"
    __table_args__ = (Index("ix_objection_attachments_case", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("objection_cases.id", ondelete="CASCADE"))


class Notice(Base):
    """A message to a subject about their own record (shown on their page)."""

    __tablename__ = "subject_notices"
    __table_args__ = (Index("ix_subject_notices_subject", "subject_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RepairStage(StrEnum):
    """Where a repair application stands (申请 → 审核 → 修复 / 不予修复)."""

    RECEIVED = "received"  # 已提交，待审核
    APPROVED = "approved"  # 准予修复
    REJECTED = "rejected"  # 不予修复
    WITHDRAWN = "withdrawn"  # 申请人撤回

    @property
    def label(self) -> str:
        """The Chinese name of the stage."""
        return REPAIR_STAGE_LABELS[self]


REPAIR_STAGE_LABELS = {
    RepairStage.RECEIVED: "待审核",
    RepairStage.APPROVED: "准予修复",
    RepairStage.REJECTED: "不予修复",
    RepairStage.WITHDRAWN: "已撤回",
}


class RepairCase(Base):
    """One application to repair one record, the evidence it carries and the decision."""

    __tablename__ = "repair_cases"
    __table_args__ = (
        Index("ix_repair_cases_record", "record_id", "stage"),
        Index("ix_repair_cases_subject", "subject_id", "filed_at"),
        Index("ix_repair_cases_stage", "stage", "due_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))  # the source
    # The catalog rule's conditions the applicant states are met (JSON list of strings).
    conditions: Mapped[str] = mapped_column(Text)
    statement: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(120))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    record_revision: Mapped[int] = mapped_column(Integer)
    stage: Mapped[RepairStage] = mapped_column(str_enum(RepairStage))
    due_on: Mapped[date | None] = mapped_column(Date)  # the decision's deadline
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(120), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)


class RepairAttachment(AttachmentColumns, Base):
    """Evidence attached to a repair application."""

    __tablename__ = "repair_attachments"
    __table_args__ = (Index("ix_repair_attachments_case", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("repair_cases.id", ondelete="CASCADE"))


class Scope(StrEnum):
    """What an authorisation lets its holder read."""

    REPORT = "report"  # 信用报告
    CHECK = "check"  # 仅核验是否列入奖惩名单

    @property
    def label(self) -> str:
        """The Chinese name of the scope."""
        return {"report": "查询信用报告", "check": "仅核验信用状况"}[self.value]


class Authorisation(Base):
    """A subject's consent (授权) for a named third party to query them: for a purpose,
    a scope, until a day, a number of times; the code itself is kept only as a digest."""

    __tablename__ = "authorisations"
    __table_args__ = (Index("ix_authorisations_subject", "subject_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    grantee_name: Mapped[str] = mapped_column(String(200))
    grantee_code: Mapped[str] = mapped_column(String(18))  # USCC or ID number, normalised
    purpose: Mapped[str] = mapped_column(String(200))
    scope: Mapped[Scope] = mapped_column(str_enum(Scope))
    expires_on: Mapped[date] = mapped_column(Date)  # the last day it may be used
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    code_hint: Mapped[str] = mapped_column(String(8))  # the code's last characters
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
