"""The credit centre's repair queue (信用修复审核): pending applications by deadline, overdue
ones marked; one page per application to approve or reject with the reviewer's opinion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.api.cases import CaseId, Context
from xinyong.console.views import FORM_ERRORS, refusal
from xinyong.core.security import Principal, Role
from xinyong.ingest.models import Record
from xinyong.rights import repairs
from xinyong.rights.cases import CaseContext
from xinyong.web.access import allow
from xinyong.web.deps import DbSession
from xinyong.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
REVIEWERS = (Role.PLATFORM_ADMIN, Role.REVIEWER)


@router.get("/repairs")
def queue(
    request: Request, session: DbSession, context: Context, principal: Principal = allow(*REVIEWERS)
) -> Response:
    """Pending applications first by deadline (overdue marked), then the latest decided."""
    cases = repairs.views(session, repairs.cases_for(session, principal), context.today)
    return render(request, "console/repairs.html", {"cases": cases})


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    context: CaseContext,
    case_id: int,
    error: str | None = None,
) -> Response:
    case = repairs.view(session, repairs.case_for(session, principal, case_id), context.today)
    record = session.get(Record, case.record_id)
    assert record is not None  # a case's record is never deleted
    page = {
        "case": case,
        "record": record,
        "dataset": context.catalog.datasets[record.dataset_code],
        "error": error,
    }
    return render(request, "console/repair.html", page, status_code=422 if error else 200)


@router.get("/repairs/{case_id}")
def case_page(
    request: Request,
    session: DbSession,
    context: Context,
    case_id: CaseId,
    principal: Principal = allow(*REVIEWERS),
) -> Response:
    """One application: the record, the rule, the evidence, and the decision to take."""
    return _page(request, session, principal, context, case_id)


@router.post("/repairs/{case_id}")
def decide(
    request: Request,
    session: DbSession,
    context: Context,
    case_id: CaseId,
    action: Annotated[str, Form(max_length=16)],
    text: Annotated[str, Form(max_length=2000)] = "",
    principal: Principal = allow(*REVIEWERS),
) -> Response:
    """Approve or reject; a refused step shows why."""
    try:
        if action == "approve":
            repairs.approve(session, principal, context, case_id, text)
        elif action == "reject":
            repairs.reject(session, principal, context, case_id, text)
        else:
            raise ValueError(action)
    except FORM_ERRORS as exc:
        session.rollback()
        return _page(request, session, principal, context, case_id, refusal(exc))
    return RedirectResponse(f"/console/repairs/{case_id}", status_code=303)
