"""Requests and answers of the rights cases: objections (异议), repairs (信用修复),
authorisations (授权查询)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinyong.rights.models import (
    Authorisation,
    ObjectionAttachment,
    ObjectionCase,
    RepairAttachment,
    RepairCase,
    Scope,
)


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

    @classmethod
    def of(cls, found: ObjectionAttachment | RepairAttachment) -> AttachmentView:
        """The view of a stored attachment (its content not read)."""
        return cls(
            attachment_id=found.id,
            file_name=found.file_name,
            media_type=found.media_type,
            size=found.size,
            sha256=found.sha256,
        )


class CaseFacts(BaseModel):
    """What every rights case shows: its record, filing, stage, deadline and evidence."""

    case_id: int
    record_id: int
    subject_id: int
    department_code: str = Field(description="信息提供单位")
    statement: str
    filed_at: datetime
    on_behalf: bool
    stage: str
    stage_label: str
    due_on: date | None = Field(description="The current stage's deadline (working days)")
    overdue: bool
    reason: str | None = Field(description="The refusal or decision, with its grounds")
    attachments: list[AttachmentView]

    @staticmethod
    def facts(
        case: ObjectionCase | RepairCase,
        attachments: list[ObjectionAttachment] | list[RepairAttachment],
        today: date,
    ) -> dict[str, Any]:
        """The shared fields of a stored case."""
        return {
            "case_id": case.id,
            "record_id": case.record_id,
            "subject_id": case.subject_id,
            "department_code": case.department_code,
            "statement": case.statement,
            "filed_at": case.filed_at,
            "on_behalf": case.on_behalf,
            "stage": case.stage.value,
            "stage_label": case.stage.label,
            "due_on": case.due_on,
            "overdue": case.due_on is not None and case.due_on < today,
            "reason": case.reason,
            "attachments": [AttachmentView.of(a) for a in attachments],
        }


class CaseView(CaseFacts):
    """An objection case as its handlers and its subject see it."""

    ground: str
    ground_label: str
    answer: str | None
    outcome: str | None
    closed_at: datetime | None

    @classmethod
    def of(
        cls, case: ObjectionCase, attachments: list[ObjectionAttachment], today: date
    ) -> CaseView:
        """The view of a stored case."""
        return cls(
            **cls.facts(case, attachments, today),
            ground=case.ground.value,
            ground_label=case.ground.label,
            answer=case.answer,
            outcome=case.outcome.value if case.outcome else None,
            closed_at=case.closed_at,
        )


class RepairView(CaseFacts):
    """A repair application as the reviewer and the subject see it (stage: received,
    approved, rejected or withdrawn)."""

    conditions: list[str] = Field(description="The rule's conditions stated as met")
    decided_at: datetime | None

    @classmethod
    def of(cls, case: RepairCase, attachments: list[RepairAttachment], today: date) -> RepairView:
        """The view of a stored application."""
        return cls(
            **cls.facts(case, attachments, today),
            conditions=json.loads(case.conditions),
            decided_at=case.decided_at,
        )


class EligibilityView(BaseModel):
    """Whether a record may be repaired, from when and on what conditions."""

    record_id: int
    repairable: bool = Field(description="The catalog rule allows repairing such a record")
    eligible_from: date | None = Field(description="First day an application may be filed")
    eligible_now: bool
    conditions: list[str] = Field(description="What the application must show (证明材料)")
    code: str | None = Field(description="Why not now, as a stable code")
    reason: str | None = Field(description="Why not now, for people")
    note: str | None = None


class GrantRequest(BaseModel):
    """A subject authorises a named third party to query them."""

    model_config = ConfigDict(extra="forbid")

    grantee_name: str = Field(min_length=2, max_length=200, description="被授权方名称")
    grantee_code: str = Field(
        min_length=15, max_length=24, description="被授权方统一社会信用代码或公民身份号码"
    )
    purpose: str = Field(min_length=2, max_length=200, description="查询用途")
    scope: Scope = Field(description="report: the credit report; check: the credit status only")
    expires_on: date = Field(description="Last day it may be used (at most 90 days ahead)")
    max_uses: int = Field(1, ge=1, le=10, description="How many queries it allows")


class AuthorisationView(BaseModel):
    """An authorisation as its subject sees it (the code itself is never shown again)."""

    authorisation_id: int
    grantee_name: str
    grantee_code: str
    purpose: str
    scope: str
    scope_label: str
    expires_on: date
    max_uses: int
    uses: int
    code_hint: str = Field(description="The code's last characters, to tell codes apart")
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    state: str = Field(description="active, revoked, expired or used_up")

    @classmethod
    def of(cls, found: Authorisation, today: date) -> AuthorisationView:
        """The view of a stored authorisation."""
        if found.revoked_at is not None:
            state = "revoked"
        elif found.expires_on < today:
            state = "expired"
        elif found.uses >= found.max_uses:
            state = "used_up"
        else:
            state = "active"
        return cls(
            authorisation_id=found.id,
            grantee_name=found.grantee_name,
            grantee_code=found.grantee_code,
            purpose=found.purpose,
            scope=found.scope.value,
            scope_label=found.scope.label,
            expires_on=found.expires_on,
            max_uses=found.max_uses,
            uses=found.uses,
            code_hint=found.code_hint,
            created_at=found.created_at,
            revoked_at=found.revoked_at,
            last_used_at=found.last_used_at,
            state=state,
        )


class GrantedView(AuthorisationView):
    """A new authorisation with its code: the only time the code is shown."""

    code: str = Field(description="Hand this (or its QR code) to the third party")


class RedeemRequest(BaseModel):
    """A third party uses an authorisation code."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=8, max_length=40, description="The code as handed over")


class ListedOn(BaseModel):
    """A list the subject is on."""

    name: str
    kind: str = Field(description="punishment, incentive or attention")
    entered_on: date


class CreditStatusView(BaseModel):
    """A subject's credit status (信用状况核验): on which lists, nothing more."""

    subject_name: str
    subject_code: str = Field(description="Masked for a person")
    as_of: date
    punishment_target: bool = Field(description="On a list with joint punishment measures")
    incentive_target: bool = Field(description="On a red list with incentive measures")
    lists: list[ListedOn]


class RedeemView(BaseModel):
    """What an authorisation gave its holder: a report, or the credit status."""

    authorisation_id: int
    scope: str
    purpose: str
    uses_left: int
    report_number: str | None = Field(None, description="Verify at /reports/verify/{number}")
    report: dict[str, Any] | None = Field(None, description="The signed report's content")
    status: CreditStatusView | None = None
