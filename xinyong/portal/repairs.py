"""A subject's repair pages (信用修复): from a record on /me, the form with the rule's
conditions and the evidence (three steps: the record's link, the form, submit); then the
application's stage, deadline and decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.api.cases import CaseId, Context, read_uploads
from xinyong.console.views import FORM_ERRORS, refusal
from xinyong.core.security import Principal, Role
from xinyong.ingest.models import Record
from xinyong.rights import repairs
from xinyong.rights.cases import CaseContext
from xinyong.web.access import allow
from xinyong.web.deps import DbSession
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)


def _form(
    request: Request,
    session: Session,
    principal: Principal,
    context: CaseContext,
    record_id: int,
    error: str | None = None,
    **form: object,
) -> Response:
    record = session.get(Record, record_id)
    if record is None or record.subject_id != principal.subject_id:
        record, error = None, error or "没有这条记录"
    found = repairs.eligibility(session, context.catalog, [record], context.today) if record else {}
    page = {
        "record": record,
        "dataset": context.catalog.datasets[record.dataset_code] if record else None,
        "e": found.get(record_id),
        "form": form,
        "error": error,
    }
    return render(request, "portal/repair_new.html", page, status_code=422 if error else 200)


@router.get("/me/repairs/new")
def new_repair(
    request: Request,
    session: DbSession,
    context: Context,
    record_id: Annotated[int, Query(ge=1, le=2**62)],
    principal: Principal = allow(Role.CITIZEN),
) -> Response:
    """The record's eligibility and, when eligible, the application form."""
    return _form(request, session, principal, context, record_id)


@router.post("/me/repairs")
def apply(
    request: Request,
    session: DbSession,
    context: Context,
    record_id: Annotated[int, Form(ge=1, le=2**62)],
    statement: Annotated[str, Form(max_length=4000)],
    conditions: Annotated[list[str] | None, Form()] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
    principal: Principal = allow(Role.CITIZEN),
) -> Response:
    """Apply; on success, the application's page."""
    stated = conditions or []
    try:
        case = repairs.apply(
            session, principal, context, record_id, stated, statement, read_uploads(files or [])
        )
    except FORM_ERRORS as exc:
        session.rollback()
        return _form(
            request,
            session,
            principal,
            context,
            record_id,
            refusal(exc),
            statement=statement,
            conditions=stated,
        )
    return RedirectResponse(f"/me/repairs/{case.id}", status_code=303)


@router.get("/me/repairs/{case_id}")
def my_repair(
    request: Request,
    session: DbSession,
    context: Context,
    case_id: CaseId,
    principal: Principal = allow(Role.CITIZEN),
) -> Response:
    """An application's stage, deadline, decision and evidence."""
    view = repairs.view(session, repairs.case_for(session, principal, case_id), context.today)
    return render(request, "portal/repair.html", {"case": view})


@router.post("/me/repairs/{case_id}/withdraw")
def withdraw(
    session: DbSession, case_id: CaseId, principal: Principal = allow(Role.CITIZEN)
) -> Response:
    """Withdraw an application under review."""
    repairs.withdraw(session, principal, case_id)
    return RedirectResponse(f"/me/repairs/{case_id}", status_code=303)
