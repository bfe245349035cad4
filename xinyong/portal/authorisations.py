"""Authorised queries in the portal (授权查询): a subject grants (code and QR shown once),
sees and revokes their authorisations on one page; a third party types or scans a code and
reads the report or the credit status it allows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.api.authorisations import AuthorisationId
from xinyong.console.views import FORM_ERRORS, refusal
from xinyong.core.security import Principal, Role
from xinyong.portal.qr import qr_svg
from xinyong.portal.reports import issuer, respond
from xinyong.rights import authorisations
from xinyong.rights.authorisations import Grant
from xinyong.rights.models import Scope
from xinyong.rights.schemas import AuthorisationView
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today, client_ip
from xinyong.web.state import app_state
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 30


def _mine(
    request: Request,
    session: Session,
    principal: Principal,
    day: date,
    *,
    granted: tuple[AuthorisationView, str] | None = None,
    error: str | None = None,
    form: dict[str, object] | None = None,
) -> Response:
    max_days = app_state(request).settings.authorisation_max_days
    given = authorisations.granted_by(session, principal)
    page = {
        "granted": granted[0] if granted else None,
        "code": granted[1] if granted else None,
        "qr": qr_svg(granted[1], scale=4) if granted else None,
        "items": [AuthorisationView.of(a, day) for a in given],
        "scopes": {s.value: s.label for s in Scope},
        "form": form or {"expires_on": day + timedelta(days=DEFAULT_DAYS), "max_uses": 1},
        "latest": day + timedelta(days=max_days),
        "today": day,
        "error": error,
    }
    status = 422 if error else 200
    return render(request, "portal/authorisations.html", page, status_code=status)


@router.get("/me/authorisations")
def my_authorisations(
    request: Request, session: DbSession, day: Today, principal: Principal = allow(Role.CITIZEN)
) -> Response:
    """The form to authorise a third party, and every authorisation given."""
    return _mine(request, session, principal, day)


@router.post("/me/authorisations")
def grant(
    request: Request,
    session: DbSession,
    day: Today,
    grantee_name: Annotated[str, Form(max_length=200)],
    grantee_code: Annotated[str, Form(max_length=24)],
    purpose: Annotated[str, Form(max_length=200)],
    scope: Annotated[Scope, Form()],
    expires_on: Annotated[date, Form()],
    max_uses: Annotated[int, Form(ge=1, le=authorisations.MAX_USES)] = 1,
    principal: Principal = allow(Role.CITIZEN),
) -> Response:
    """Authorise; the page then shows the code and its QR, this once."""
    request_ = Grant(grantee_name, grantee_code, purpose, scope, expires_on, max_uses)
    max_days = app_state(request).settings.authorisation_max_days
    try:
        found, code = authorisations.grant(session, principal, request_, day, max_days)
    except FORM_ERRORS as exc:
        session.rollback()
        form = {**request_.__dict__, "scope": scope.value}
        return _mine(request, session, principal, day, error=refusal(exc), form=form)
    return _mine(request, session, principal, day, granted=(AuthorisationView.of(found, day), code))


@router.post("/me/authorisations/{authorisation_id}/revoke")
def revoke(
    session: DbSession,
    authorisation_id: AuthorisationId,
    principal: Principal = allow(Role.CITIZEN),
) -> Response:
    """Revoke one; back to the list."""
    authorisations.revoke(session, principal, authorisation_id)
    return RedirectResponse("/me/authorisations", status_code=303)


@router.get("/authorised")
def redeem_form(request: Request, _: Principal = allow(Role.THIRD_PARTY)) -> Response:
    """Where a third party enters the code a subject handed over."""
    return render(request, "portal/authorised.html", {})


@router.post("/authorised")
def redeem(
    request: Request,
    session: DbSession,
    day: Today,
    code: Annotated[str, Form(max_length=40)],
    principal: Principal = allow(Role.THIRD_PARTY),
) -> Response:
    """The report or the credit status the code allows; a refusal says why (and is logged)."""
    ip = client_ip(request)
    try:
        found = authorisations.redeem(session, principal, code, day)
    except authorisations.Refused as exc:
        authorisations.log_refusal(session, principal, exc, ip)
        return render(request, "portal/authorised.html", {"error": exc.message}, status_code=403)
    view, report = authorisations.answer(session, principal, issuer(request), found, day, ip)
    if report is not None:
        return respond(request, report, "html")
    return render(request, "portal/authorised.html", {"result": view})
