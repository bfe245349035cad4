"""The credit centre's objection queue (异议办理) and the source department's verification:
every open case by deadline, overdue ones marked; one page per case with the actions its
stage allows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.api.cases import CaseId, Context
from xinyong.console.views import FORM_ERRORS, refusal
from xinyong.core.security import Principal, Role
from xinyong.rights import objections
from xinyong.rights.cases import STAFF, CaseContext
from xinyong.rights.models import Outcome
from xinyong.web.access import allow
from xinyong.web.deps import DbSession
from xinyong.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
HANDLERS = (Role.PLATFORM_ADMIN, Role.REVIEWER, Role.SUBMITTER)
ACTIONS = ("accept", "refuse", "send", "answer", "decide")


@router.get("/objections")
def queue(
    request: Request,
    session: DbSession,
    context: Context,
    principal: Principal = allow(*HANDLERS),
) -> Response:
    """Open cases first by deadline (overdue marked), then the latest closed."""
    cases = objections.views(session, objections.cases_for(session, principal), context.today)
    return render(request, "console/objections.html", {"cases": cases})


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    context: CaseContext,
    case_id: int,
    error: str | None = None,
) -> Response:
    case = objections.view(session, objections.case_for(session, principal, case_id), context.today)
    page = {
        "case": case,
        "staff": principal.role in STAFF,
        "source": principal.department_code == case.department_code,
        "outcomes": {o.value: o.label for o in Outcome},
        "error": error,
    }
    return render(request, "console/objection.html", page, status_code=422 if error else 200)


@router.get("/objections/{case_id}")
def case_page(
    request: Request,
    session: DbSession,
    context: Context,
    case_id: CaseId,
    principal: Principal = allow(*HANDLERS),
) -> Response:
    """One case with the actions its stage allows."""
    return _page(request, session, principal, context, case_id)


@router.post("/objections/{case_id}")
def act(
    request: Request,
    session: DbSession,
    context: Context,
    case_id: CaseId,
    action: Annotated[str, Form(max_length=16)],
    outcome: Annotated[str, Form(max_length=16)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
    principal: Principal = allow(*HANDLERS),
) -> Response:
    """Accept, refuse, send, answer or decide; a refused step shows why."""
    try:
        if action == "accept":
            objections.accept(session, principal, context, case_id)
        elif action == "refuse":
            objections.refuse(session, principal, context, case_id, text)
        elif action == "send":
            objections.send(session, principal, context, case_id)
        elif action == "answer":
            objections.answer(session, principal, context, case_id, Outcome(outcome), text)
        elif action == "decide":
            objections.decide(session, principal, context, case_id, Outcome(outcome), text)
        else:
            raise ValueError(action)
    except FORM_ERRORS as exc:
        session.rollback()
        return _page(request, session, principal, context, case_id, refusal(exc))
    return RedirectResponse(f"/console/objections/{case_id}", status_code=303)
