"""Audit API: read the trail, verify the chain (auditors)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from xinyong.audit import service
from xinyong.audit.models import AuditEntry
from xinyong.core.security import Principal, Role
from xinyong.sanctions import integrity
from xinyong.web.access import allow
from xinyong.web.deps import MAX_SEQ, DbSession

router = APIRouter(prefix="/audit", tags=["audit"])
AUDIT_READERS = (Role.AUDITOR, Role.PLATFORM_ADMIN)


class AuditEntryOut(BaseModel):
    """One entry of the trail."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str
    role: str | None
    department_code: str | None
    action: str
    target_type: str | None
    target_id: str | None
    subject_ref: str | None
    purpose: str | None
    detail: str
    hash: str


class VerifyOut(BaseModel):
    """The outcome of verifying the chain."""

    ok: bool
    checked: int
    problems: list[str]


@router.get("", response_model=list[AuditEntryOut], summary="Audit entries, newest first")
def entries(
    session: DbSession,
    before: int | None = Query(
        None, ge=1, le=MAX_SEQ, description="Only entries with seq below this."
    ),
    limit: int = Query(50, ge=1, le=500),
    action: str | None = None,
    subject_ref: str | None = None,
    principal: Principal = allow(*AUDIT_READERS),
) -> list[AuditEntryOut]:
    """Page through the trail (keyset paging on ``seq``); reading it is itself recorded."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    if action:
        query = query.where(AuditEntry.action == action)
    if subject_ref:
        query = query.where(integrity.naming(subject_ref))
    found = [AuditEntryOut.model_validate(e) for e in session.scalars(query)]
    service.record(
        session,
        principal,
        "audit.read",
        target_type="audit_log",
        detail={"before": before, "action": action, "subject_ref": subject_ref},
    )
    return found


@router.get("/verify", response_model=VerifyOut, summary="Verify the hash chain")
def verify(session: DbSession, _: Principal = allow(Role.AUDITOR)) -> VerifyOut:
    """Recompute every hash; report changed or deleted entries, and check rows changed
    since their entry sealed them."""
    report = service.verify(session)
    report.problems += integrity.problems(session)
    return VerifyOut(ok=report.ok, checked=report.checked, problems=report.problems)
