"""A department clerk's check page (联合奖惩核查): one subject, one scenario, the measures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.api.checks import CHECKERS, Rules
from xinyong.console.views import FORM_ERRORS, refusal
from xinyong.core.security import Principal, Role
from xinyong.sanctions import desk, feedback, service
from xinyong.sanctions.schemas import FeedbackItem
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today, client_ip
from xinyong.web.state import app_state
from xinyong.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    rules: service.CheckRules,
    **extra: object,
) -> Response:
    calendar = app_state(request).calendar
    context = {
        "scenarios": rules.measures.scenarios,
        "form": {},
        "pending": feedback.pending(session, calendar, principal.department_code),
        **extra,
    }
    status = 422 if extra.get("error") else 200
    return render(request, "console/checks.html", context, status_code=status)


@router.get("/checks")
def check_form(
    request: Request,
    session: DbSession,
    rules: Rules,
    principal: Principal = allow(*CHECKERS),
) -> Response:
    """The check form, and the department's checks still awaiting feedback."""
    return _page(request, session, principal, rules)


@router.get("/checks/stats")
def stats_page(
    request: Request,
    session: DbSession,
    rules: Rules,
    day: Today,
    _: Principal = allow(Role.PLATFORM_ADMIN, Role.REVIEWER, Role.AUDITOR),
) -> Response:
    """Per requesting department and measure: checks, hits, feedback rate, overdue."""
    rows = feedback.stats(session, app_state(request).calendar, day)
    names = {m.code: m.name for m in rules.measures.measures}
    return render(request, "console/check_stats.html", {"rows": rows, "measures": names})


def _check_page(
    request: Request,
    session: Session,
    principal: Principal,
    rules: service.CheckRules,
    check_id: int,
    error: str | None = None,
) -> Response:
    view = feedback.view(session, principal, app_state(request).calendar, check_id)
    context = {
        "check": view,
        "measures": {m.code: m.name for m in rules.measures.measures},
        "lists": {d.code: d.name for d in rules.lists.lists},
        "may_answer": principal.role is Role.PLATFORM_ADMIN
        or principal.department_code == view.department_code,
        "error": error,
    }
    return render(request, "console/check.html", context, status_code=422 if error else 200)


@router.get("/checks/{check_id}")
def check_page(
    request: Request,
    session: DbSession,
    rules: Rules,
    check_id: Annotated[int, Path(ge=1, le=2**62)],
    principal: Principal = allow(*CHECKERS, Role.SUBMITTER),
) -> Response:
    """A check's hits and their feedback; the checking department answers here (反馈)."""
    return _check_page(request, session, principal, rules, check_id)


@router.post("/checks/{check_id}/feedback")
def give_feedback(
    request: Request,
    session: DbSession,
    rules: Rules,
    check_id: Annotated[int, Path(ge=1, le=2**62)],
    hit_id: Annotated[int, Form(ge=1, le=2**62)],
    outcome: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=1000)] = "",
    principal: Principal = allow(Role.CHECKER, Role.PLATFORM_ADMIN),
) -> Response:
    """Record what was done with one hit, then show the check again."""
    try:
        item = FeedbackItem(hit_id=hit_id, outcome=outcome, reason=reason or None)
        feedback.give(session, principal, check_id, [item])
    except FORM_ERRORS as exc:
        session.rollback()
        return _check_page(request, session, principal, rules, check_id, refusal(exc))
    return RedirectResponse(f"/console/checks/{check_id}#hit-{hit_id}", status_code=303)


@router.post("/checks")
def run_check(
    request: Request,
    session: DbSession,
    rules: Rules,
    day: Today,
    code: Annotated[str, Form(max_length=64)],
    scenario: Annotated[str, Form(max_length=32)],
    purpose: Annotated[str, Form(max_length=200)],
    department_code: Annotated[str, Form(max_length=32)] = "",
    principal: Principal = allow(*CHECKERS),
) -> Response:
    """Check and show the hits, each with its list, basis and whether it is mandatory."""
    form = {
        "code": code,
        "scenario": scenario,
        "purpose": purpose,
        "department_code": department_code,
    }
    try:
        if len(purpose.strip()) < 2:
            raise ValueError("purpose")
        result = desk.check_one(
            session,
            principal,
            rules,
            code,
            scenario,
            purpose.strip(),
            department_code or None,
            day,
            client_ip(request),
        )
    except FORM_ERRORS as exc:
        session.rollback()
        return _page(request, session, principal, rules, form=form, error=refusal(exc))
    return _page(request, session, principal, rules, form=form, result=result)
