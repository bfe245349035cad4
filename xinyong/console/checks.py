"""A department clerk's check page (联合奖惩核查): one subject, one scenario, the measures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from xinyong.api.checks import CHECKERS, Rules
from xinyong.console.views import FORM_ERRORS, refusal
from xinyong.core.security import Principal
from xinyong.sanctions import service
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today, client_ip
from xinyong.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)


def _page(request: Request, rules: service.CheckRules, **extra: object) -> Response:
    context = {"scenarios": rules.measures.scenarios, "form": {}, **extra}
    status = 422 if extra.get("error") else 200
    return render(request, "console/checks.html", context, status_code=status)


@router.get("/checks")
def check_form(request: Request, rules: Rules, _: Principal = allow(*CHECKERS)) -> Response:
    """The check form."""
    return _page(request, rules)


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
        result = service.check_one(
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
        return _page(request, rules, form=form, error=refusal(exc))
    return _page(request, rules, form=form, result=result)
