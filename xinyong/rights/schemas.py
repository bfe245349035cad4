"""Objection requests and answers (异议)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from xinyong.rights.models import ObjectionAttachment, ObjectionCase


class Reason(BaseModel):
    """A reason for refusing a case."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=4, max_length=2000)


class Finding(BaseModel):
    """The source department's finding after verification (核实结果)."""

    model_config = ConfigDict(extra="forbid")

    finding: str = Field(pattern=r"^(corrected|withdrawn|upheld)$")
    text: str = Field(min_length=4, max_length=2000, description="核实说明")


class Decision(BaseModel):
    """How the platform closes a case (办结)."""

    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(pattern=r"^(corrected|withdrawn|upheld)$")
    reason: str = Field(min_length=4, max_length=2000, description="办结意见")


class AttachmentView(BaseModel):
    """An attached file (download it by its id)."""

    attachment_id: int
    file_name: str
    media_type: str
    size: int
    sha256: str


class CaseView(BaseModel):
    """An objection case as its handlers and its subject see it."""

    case_id: int
    record_id: int
    subject_id: int
    department_code: str = Field(description="信息提供单位")
    ground: str
    ground_label: str
    statement: str
    filed_at: datetime
    on_behalf: bool
    stage: str
    stage_label: str
    due_on: date | None = Field(description="The current stage's deadline (working days)")
    overdue: bool
    answer: str | None
    outcome: str | None
    reason: str | None
    closed_at: datetime | None
    attachments: list[AttachmentView]

    @classmethod
    def of(
        cls, case: ObjectionCase, attachments: list[ObjectionAttachment], today: date
    ) -> CaseView:
        """The view of a stored case."""
        return cls(
            case_id=case.id,
            record_id=case.record_id,
            subject_id=case.subject_id,
            department_code=case.department_code,
            ground=case.ground.value,
            ground_label=case.ground.label,
            statement=case.statement,
            filed_at=case.filed_at,
            on_behalf=case.on_behalf,
            stage=case.stage.value,
            stage_label=case.stage.label,
            due_on=case.due_on,
            overdue=case.due_on is not None and case.due_on < today,
            answer=case.answer,
            outcome=case.outcome.value if case.outcome else None,
            reason=case.reason,
            closed_at=case.closed_at,
            attachments=[
                AttachmentView(
                    attachment_id=a.id,
                    file_name=a.file_name,
                    media_type=a.media_type,
                    size=a.size,
                    sha256=a.sha256,
                )
                for a in attachments
            ],
        )
