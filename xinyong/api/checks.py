"""Checks (核查) over HTTP: one subject, or a batch of up to 10,000."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from xinyong.core.security import Principal, Role
from xinyong.lists.definitions import get_lists
from xinyong.sanctions import service
from xinyong.sanctions.definitions import get_measures
from xinyong.sanctions.schemas import (
    BatchCheckRequest,
    BatchCheckResult,
    CheckRequest,
    CheckResult,
)
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today, client_ip
from xinyong.web.state import app_state

router = APIRouter(prefix="/checks", tags=["checks"])
CHECKERS = (Role.CHECKER, Role.PLATFORM_ADMIN, Role.REVIEWER)


def check_rules(request: Request) -> service.CheckRules:
    """The catalog, lists and measures in force."""
    catalog = app_state(request).catalog
    lists = get_lists(catalog)
    return service.CheckRules(catalog, lists, get_measures(lists))


Rules = Annotated[service.CheckRules, Depends(check_rules)]


@router.post("", response_model=CheckResult, summary="Check one subject before acting")
def check(
    body: CheckRequest,
    request: Request,
    session: DbSession,
    rules: Rules,
    day: Today,
    principal: Principal = allow(*CHECKERS),
) -> CheckResult:
    """The measures that apply to the subject in the scenario, each with its list entry,
    record and legal basis; logged as a use of personal data."""
    return service.check_one(
        session,
        principal,
        rules,
        body.code,
        body.scenario,
        body.purpose,
        body.department_code,
        day,
        client_ip(request),
    )


@router.post("/batch", response_model=BatchCheckResult, summary="Check up to 10,000 subjects")
def check_batch(
    body: BatchCheckRequest,
    request: Request,
    session: DbSession,
    rules: Rules,
    day: Today,
    principal: Principal = allow(*CHECKERS),
) -> BatchCheckResult:
    """Each code's hits in the order asked; codes that are not valid come back in
    ``invalid`` (they are not checked)."""
    results, invalid = service.check_many(
        session,
        principal,
        rules,
        body.codes,
        body.scenario,
        body.purpose,
        body.department_code,
        day,
    )
    service.log_batch(session, principal, results, body.purpose, client_ip(request))
    return BatchCheckResult(scenario=body.scenario.upper(), results=results, invalid=invalid)
