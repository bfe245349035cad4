"""Checks (核查) over HTTP: one subject, or a batch of up to 10,000."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from xinyong.core.security import Principal, Role
from xinyong.sanctions import desk, feedback, service
from xinyong.sanctions.schemas import (
    BatchCheckRequest,
    BatchCheckResult,
    CheckRequest,
    CheckResult,
    CheckView,
    FeedbackRequest,
    FeedbackStats,
)
from xinyong.web.access import allow, rules_of
from xinyong.web.deps import (
    DbSession,
    Today,
    client_ip,
    current_principal,
    reads_only,
    request_day,
)
from xinyong.web.hotpaths import HotPathsAPI, HotRoute
from xinyong.web.state import app_state

router = APIRouter(prefix="/checks", tags=["checks"])
CHECKERS = (Role.CHECKER, Role.PLATFORM_ADMIN, Role.REVIEWER)


async def check_rules(request: Request) -> service.CheckRules:
    """The catalog, lists and measures in force."""
    return app_state(request).check_rules


Rules = Annotated[service.CheckRules, Depends(check_rules)]
# The single check reads its body itself (see ``check``); the spec still describes it.
CHECK_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": CheckRequest.model_json_schema()}},
    }
}


async def check_request(request: Request) -> CheckRequest:
    """The body of a single check, or the 422 FastAPI gives for a body that does not parse.

    Validated from the raw bytes in one step: FastAPI decodes the JSON, then validates the
    Python objects, and with the dependencies it solves around them that was an eighth of
    a check (the hottest path) in a profile."""
    try:
        return CheckRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from exc


def _log(request: Request, principal: Principal, found: service.Found, purpose: str) -> list[int]:
    """Log the checks through the group writer; their ids once committed."""
    ip = client_ip(request)
    return app_state(request).writer.run(
        lambda session: service.log(session, principal, found, purpose, ip)
    )


@reads_only
async def check(request: Request, day: Today, principal: Principal = allow(*CHECKERS)) -> Response:
    """The measures that apply to the subject in the scenario, each with its list entry,
    record and legal basis; logged as a use of personal data.

    Answered by the check desk (sanctions/desk.py): concurrent checks are looked up and
    logged together, and the request waits without holding a worker thread."""
    body = await check_request(request)
    single = desk.prepare(
        principal,
        app_state(request).check_rules,
        body.code,
        body.scenario,
        body.purpose,
        body.department_code,
        day,
        client_ip(request),
    )
    result = await app_state(request).writer.gather(desk.ANSWER, single)
    # Serialised here, once: FastAPI would dump the model, validate it again and encode it.
    return Response(result.model_dump_json(), media_type="application/json")


class SingleCheckRoute(HotRoute):
    """The single check's route: documented, and ruled by the endpoint's ``allow``, as any
    other, but answered by calling that rule and the endpoint itself. FastAPI's handler
    solves the endpoint's dependencies afresh for every request (cache keys, overrides,
    sub-dependencies): 52 µs of the 189 µs a check cost the event loop beyond a bare
    endpoint, in a profile of the GIL's holders."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Who asks (the route's one rule), the day, then the check."""
        (rule,) = rules_of(self.dependant)

        async def handle(request: Request) -> Response:
            principal = await rule(request, await current_principal(request))
            return await check(request, await request_day(request), principal)

        return handle


def add_single_check(app: HotPathsAPI, prefix: str) -> None:
    """Route ``POST {prefix}/checks`` on the app itself, answered ahead of the middleware
    (see ``api.add_hot_routes``)."""
    app.router.add_api_route(
        f"{prefix}{router.prefix}",
        check,
        methods=["POST"],
        response_model=CheckResult,
        openapi_extra=CHECK_BODY,
        summary="Check one subject before acting",
        tags=["checks"],
        route_class_override=SingleCheckRoute,
    )
    app.add_hot_route(cast(HotRoute, app.router.routes[-1]))


@router.post("/batch", response_model=BatchCheckResult, summary="Check up to 10,000 subjects")
@reads_only
def check_batch(
    body: BatchCheckRequest,
    request: Request,
    session: DbSession,
    rules: Rules,
    day: Today,
    principal: Principal = allow(*CHECKERS),
) -> Response:
    """Each code's hits in the order asked; codes that are not valid come back in
    ``invalid`` (they are not checked)."""
    found = service.find(
        session, principal, rules, body.codes, body.scenario, body.department_code, day
    )
    session.commit()  # end the read snapshot before waiting for the writer
    ids = _log(request, principal, found, body.purpose)
    return Response(service.batch_json(found, ids), media_type="application/json")


@router.get("/stats", response_model=list[FeedbackStats], summary="Checks, hits and feedback")
def feedback_stats(
    request: Request,
    session: DbSession,
    day: Today,
    _: Principal = allow(Role.PLATFORM_ADMIN, Role.REVIEWER, Role.AUDITOR),
) -> list[FeedbackStats]:
    """Per requesting department and measure: checks, hits, feedback given, the feedback
    rate, and hits whose feedback is overdue (10 working days)."""
    return feedback.stats(session, app_state(request).calendar, day)


@router.get("/{check_id}", response_model=CheckView, summary="A check and its feedback")
def get_check(
    check_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    session: DbSession,
    principal: Principal = allow(*CHECKERS, Role.SUBMITTER),
) -> CheckView:
    """The hits of a check with the feedback given; for the department that checked, the
    departments whose records it hit (发起部门), and the credit centre."""
    return feedback.view(session, principal, app_state(request).calendar, check_id)


@router.post(
    "/{check_id}/feedback", response_model=CheckView, summary="Report what was done per hit"
)
def give_feedback(
    check_id: Annotated[int, Path(ge=1, le=2**62)],
    body: FeedbackRequest,
    request: Request,
    session: DbSession,
    principal: Principal = allow(Role.CHECKER, Role.PLATFORM_ADMIN),
) -> CheckView:
    """Applied, not applied (with the reason) or not applicable, once per hit."""
    feedback.give(session, principal, check_id, body.items)
    return feedback.view(session, principal, app_state(request).calendar, check_id)
