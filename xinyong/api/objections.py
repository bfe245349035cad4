"""Objections (异议) over HTTP: a subject (or staff on their behalf) files; the credit
centre accepts, refuses, sends to the source department and decides; the department
answers. A step the case's stage does not allow is a 409 naming the stage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from xinyong.api.cases import CaseId, Context, download, read_uploads
from xinyong.core.security import Principal, Role
from xinyong.rights import objections
from xinyong.rights.models import Ground, Outcome
from xinyong.rights.schemas import CaseView, Decision, Finding, Reason
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today

router = APIRouter(prefix="/objections", tags=["objections"])
STAFF = (Role.PLATFORM_ADMIN, Role.REVIEWER)
READERS = (*STAFF, Role.CITIZEN, Role.SUBMITTER)


@router.post("", response_model=CaseView, status_code=201, summary="File an objection")
def file_objection(
    session: DbSession,
    context: Context,
    record_id: Annotated[int, Form(ge=1, le=2**62)],
    ground: Annotated[Ground, Form()],
    statement: Annotated[str, Form(min_length=4, max_length=4000)],
    files: Annotated[list[UploadFile] | None, File(description="PDF/PNG/JPEG, ≤ 5 × 5 MB")] = None,
    principal: Principal = allow(Role.CITIZEN, *STAFF),
) -> CaseView:
    """Contest a record (multipart form): the record is marked disputed at once and the
    measures resting on it stop; the first deadline is in the answer."""
    case = objections.file_objection(
        session, principal, context, record_id, ground, statement, read_uploads(files or [])
    )
    return objections.view(session, case, context.today)


@router.get("", response_model=list[CaseView], summary="Objections the caller handles or filed")
def list_cases(
    session: DbSession,
    day: Today,
    open_only: bool = False,
    principal: Principal = allow(*READERS),
) -> list[CaseView]:
    """Staff: every case, by deadline; a department: those sent to it; a subject: theirs."""
    return objections.views(
        session, objections.cases_for(session, principal, open_only=open_only), day
    )


@router.get("/{case_id}", response_model=CaseView, summary="One objection")
def get_case(
    case_id: CaseId, session: DbSession, day: Today, principal: Principal = allow(*READERS)
) -> CaseView:
    """The case, its stage and deadline, its attachments."""
    return objections.view(session, objections.case_for(session, principal, case_id), day)


@router.get("/{case_id}/attachments/{attachment_id}", summary="An attached file")
def get_attachment(
    case_id: CaseId,
    attachment_id: CaseId,
    session: DbSession,
    principal: Principal = allow(*READERS),
) -> Response:
    """The file as attached (served as a download, never rendered inline)."""
    return download(objections.attachment(session, principal, case_id, attachment_id))


@router.post("/{case_id}/accept", response_model=CaseView, summary="Accept (受理)")
def accept(
    case_id: CaseId, session: DbSession, context: Context, principal: Principal = allow(*STAFF)
) -> CaseView:
    """The platform takes the case; its own check is due in ``objection_check_days``."""
    case = objections.accept(session, principal, context, case_id)
    return objections.view(session, case, context.today)


@router.post("/{case_id}/refuse", response_model=CaseView, summary="Refuse (不予受理)")
def refuse(
    case_id: CaseId,
    body: Reason,
    session: DbSession,
    context: Context,
    principal: Principal = allow(*STAFF),
) -> CaseView:
    """Refuse with the reason; the record is as it was."""
    case = objections.refuse(session, principal, context, case_id, body.reason)
    return objections.view(session, case, context.today)


@router.post("/{case_id}/send", response_model=CaseView, summary="Send to the source department")
def send(
    case_id: CaseId, session: DbSession, context: Context, principal: Principal = allow(*STAFF)
) -> CaseView:
    """Ask the source department to verify, within ``objection_verify_days``."""
    case = objections.send(session, principal, context, case_id)
    return objections.view(session, case, context.today)


@router.post("/{case_id}/answer", response_model=CaseView, summary="The department's finding")
def answer(
    case_id: CaseId,
    body: Finding,
    session: DbSession,
    context: Context,
    principal: Principal = allow(Role.SUBMITTER, Role.PLATFORM_ADMIN),
) -> CaseView:
    """The source department answers: corrected (send the corrected row through
    collection), withdrawn, or upheld, with its explanation."""
    case = objections.answer(session, principal, context, case_id, Outcome(body.finding), body.text)
    return objections.view(session, case, context.today)


@router.post("/{case_id}/decide", response_model=CaseView, summary="Close the case (办结)")
def decide(
    case_id: CaseId,
    body: Decision,
    session: DbSession,
    context: Context,
    principal: Principal = allow(*STAFF),
) -> CaseView:
    """Corrected, withdrawn or upheld; the record, the lists and the subject follow."""
    case = objections.decide(
        session, principal, context, case_id, Outcome(body.outcome), body.reason
    )
    return objections.view(session, case, context.today)
