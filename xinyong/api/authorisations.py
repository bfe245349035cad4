"""Authorised queries (授权查询) over HTTP: a subject grants, lists and revokes; a third
party redeems a code for the report or the credit status. A refused redemption answers 403
with the reason's code and stays in the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from xinyong.core.security import Principal, Role
from xinyong.portal.reports import issuer
from xinyong.rights import authorisations
from xinyong.rights.authorisations import Grant
from xinyong.rights.schemas import (
    AuthorisationView,
    GrantedView,
    GrantRequest,
    RedeemRequest,
    RedeemView,
)
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today, client_ip
from xinyong.web.errors import error_response
from xinyong.web.state import app_state

router = APIRouter(prefix="/authorisations", tags=["authorisations"])
AuthorisationId = Annotated[int, Path(ge=1, le=2**62)]


def grant_of(body: GrantRequest) -> Grant:
    """The service's request from the API's."""
    return Grant(**body.model_dump())


@router.post("", response_model=GrantedView, status_code=201, summary="Authorise a third party")
def grant(
    body: GrantRequest,
    request: Request,
    session: DbSession,
    day: Today,
    principal: Principal = allow(Role.CITIZEN),
) -> GrantedView:
    """Let the named party query you; the answer carries the code, shown this once."""
    max_days = app_state(request).settings.authorisation_max_days
    found, code = authorisations.grant(session, principal, grant_of(body), day, max_days)
    return GrantedView(**AuthorisationView.of(found, day).model_dump(), code=code)


@router.get("", response_model=list[AuthorisationView], summary="My authorisations")
def granted(
    session: DbSession, day: Today, principal: Principal = allow(Role.CITIZEN)
) -> list[AuthorisationView]:
    """Every authorisation the subject gave, newest first, with its state and uses."""
    return [AuthorisationView.of(a, day) for a in authorisations.granted_by(session, principal)]


@router.post("/{authorisation_id}/revoke", response_model=AuthorisationView, summary="Revoke one")
def revoke(
    authorisation_id: AuthorisationId,
    session: DbSession,
    day: Today,
    principal: Principal = allow(Role.CITIZEN),
) -> AuthorisationView:
    """The code stops working at once."""
    return AuthorisationView.of(authorisations.revoke(session, principal, authorisation_id), day)


@router.post(
    "/redeem",
    response_model=RedeemView,
    summary="Use an authorisation code",
    responses={403: {"description": "No valid authorisation for the caller (logged)"}},
)
def redeem(
    body: RedeemRequest,
    request: Request,
    session: DbSession,
    day: Today,
    principal: Principal = allow(Role.THIRD_PARTY),
) -> RedeemView | Response:
    """The third party named in the authorisation gets the signed report (scope
    ``report``) or the credit status (scope ``check``); each use is in the subject's log."""
    ip = client_ip(request)
    try:
        found = authorisations.redeem(session, principal, body.code, day)
    except authorisations.Refused as refusal:
        authorisations.log_refusal(session, principal, refusal, ip)
        return error_response(request, refusal)
    view, _ = authorisations.answer(session, principal, issuer(request), found, day, ip)
    return view
