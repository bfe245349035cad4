"""Credit repair (信用修复) over HTTP: a subject (or staff for them) reads a record's
eligibility and applies with evidence; the credit centre approves or rejects; the applicant
may withdraw while it is under review. A step the application's stage does not allow, or
an application for a record that cannot be repaired, is a 409 with a stable code."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from xinyong.api.cases import CaseId, Context, download, read_uploads
from xinyong.core.security import Principal, Role
from xinyong.rights import repairs
from xinyong.rights.cases import record_for
from xinyong.rights.schemas import EligibilityView, Reason, RepairView
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today

router = APIRouter(prefix="/repairs", tags=["repairs"])
STAFF = (Role.PLATFORM_ADMIN, Role.REVIEWER)
READERS = (*STAFF, Role.CITIZEN)


@router.get(
    "/eligibility/{record_id}",
    response_model=EligibilityView,
    summary="Whether a record may be repaired",
)
def eligibility(
    record_id: CaseId, session: DbSession, context: Context, principal: Principal = allow(*READERS)
) -> EligibilityView:
    """From when, on which conditions, and if not now, why (the subject's own records)."""
    record = record_for(session, principal, record_id)
    found = repairs.eligibility(session, context.catalog, [record], context.today)[record.id]
    return EligibilityView.model_validate(dataclasses.asdict(found))


@router.post("", response_model=RepairView, status_code=201, summary="Apply for repair")
def apply(
    session: DbSession,
    context: Context,
    record_id: Annotated[int, Form(ge=1, le=2**62)],
    statement: Annotated[str, Form(min_length=4, max_length=4000)],
    conditions: Annotated[list[str], Form(description="Each condition of the rule, as met")],
    files: Annotated[list[UploadFile] | None, File(description="PDF/PNG/JPEG, ≤ 5 × 5 MB")] = None,
    principal: Principal = allow(Role.CITIZEN, *STAFF),
) -> RepairView:
    """Apply (multipart form) for an eligible record, stating every condition of its rule
    as met and attaching the evidence; the decision is due in ``repair_decision_days``."""
    case = repairs.apply(
        session, principal, context, record_id, conditions, statement, read_uploads(files or [])
    )
    return repairs.view(session, case, context.today)


@router.get("", response_model=list[RepairView], summary="Repair applications")
def list_cases(
    session: DbSession, day: Today, open_only: bool = False, principal: Principal = allow(*READERS)
) -> list[RepairView]:
    """Staff: every application, pending ones by deadline; a subject: their own."""
    return repairs.views(session, repairs.cases_for(session, principal, open_only=open_only), day)


@router.get("/{case_id}", response_model=RepairView, summary="One repair application")
def get_case(
    case_id: CaseId, session: DbSession, day: Today, principal: Principal = allow(*READERS)
) -> RepairView:
    """The application, its stage and deadline, its evidence."""
    return repairs.view(session, repairs.case_for(session, principal, case_id), day)


@router.get("/{case_id}/attachments/{attachment_id}", summary="A piece of evidence")
def get_attachment(
    case_id: CaseId,
    attachment_id: CaseId,
    session: DbSession,
    principal: Principal = allow(*READERS),
) -> Response:
    """The file as attached (served as a download, never rendered inline)."""
    return download(repairs.attachment(session, principal, case_id, attachment_id))


@router.post("/{case_id}/approve", response_model=RepairView, summary="Approve (准予修复)")
def approve(
    case_id: CaseId,
    body: Reason,
    session: DbSession,
    context: Context,
    principal: Principal = allow(*STAFF),
) -> RepairView:
    """Repair the record: it stops being published, shared and used, its list entries exit
    with reason ``repair``, and the exchange feed carries the change."""
    case = repairs.approve(session, principal, context, case_id, body.reason)
    return repairs.view(session, case, context.today)


@router.post("/{case_id}/reject", response_model=RepairView, summary="Reject (不予修复)")
def reject(
    case_id: CaseId,
    body: Reason,
    session: DbSession,
    context: Context,
    principal: Principal = allow(*STAFF),
) -> RepairView:
    """Reject with the reason; the record is unchanged."""
    case = repairs.reject(session, principal, context, case_id, body.reason)
    return repairs.view(session, case, context.today)


@router.post("/{case_id}/withdraw", response_model=RepairView, summary="Withdraw the application")
def withdraw(
    case_id: CaseId, session: DbSession, day: Today, principal: Principal = allow(*READERS)
) -> RepairView:
    """The applicant (or staff for them) withdraws an application under review."""
    return repairs.view(session, repairs.withdraw(session, principal, case_id), day)
