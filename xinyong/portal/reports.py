"""Credit reports over HTTP: issue (HTML or PDF), read an issued one again, verify one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from xinyong.api.public import ReportNumber
from xinyong.archive import reports
from xinyong.archive.models import IssuedReport
from xinyong.archive.reports import Issuer
from xinyong.core.errors import NotFound
from xinyong.core.security import Principal, Role
from xinyong.portal.pdf import html_to_pdf
from xinyong.portal.qr import qr_svg
from xinyong.web.access import PUBLIC, allow
from xinyong.web.deps import MAX_ROW_ID, DbSession, Today, client_ip
from xinyong.web.state import app_state
from xinyong.web.templating import render, templates

router = APIRouter(include_in_schema=False)
# A third party gets a report only by redeeming an authorisation (portal/authorisations),
# and reads again only the reports issued to it.
READERS = (Role.CITIZEN, Role.PLATFORM_ADMIN, Role.REVIEWER)
SubjectId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The subject's id")]
Format = Annotated[Literal["html", "pdf"], Query(description="html (default) or pdf")]
Purpose = Annotated[str, Query(max_length=100, description="Why the report is issued")]


def issuer(request: Request) -> Issuer:
    """The catalog, key and platform name reports are issued with."""
    state = app_state(request)
    return Issuer(state.catalog, state.signer, state.settings.platform_name)


def respond(request: Request, report: IssuedReport, fmt: str) -> Response:
    """The report as a page, or as a PDF rendered from the very same page."""
    verify_url = str(request.url_for("verify_page", number=report.number))
    context: dict[str, Any] = {
        "report": report,
        "c": reports.content_of(report),
        "verify_url": verify_url,
        "qr": qr_svg(verify_url),
        "pdf": fmt == "pdf",
    }
    if fmt == "html":
        return render(request, "reports/report.html", context)
    html = templates().get_template("reports/report.html").render(context)
    return Response(
        html_to_pdf(html),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="credit-report-{report.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/reports/me")
def my_report(fmt: Format = "html", principal: Principal = allow(Role.CITIZEN)) -> RedirectResponse:
    """A citizen's own report."""
    if principal.subject_id is None:
        raise NotFound("当前账户未关联信用主体", code="no_subject")
    return RedirectResponse(f"/reports/{principal.subject_id}?fmt={fmt}", status_code=303)


@router.get("/reports/verify/{number}", name="verify_page")
def verify_page(
    number: ReportNumber, request: Request, session: DbSession, _: Principal = PUBLIC
) -> Response:
    """Anyone holding a printed report checks that it is genuine and unchanged."""
    result = reports.verify(session, app_state(request).signer, number)
    return render(request, "reports/verify.html", {"v": result})


@router.get("/reports/issued/{number}")
def issued_report(
    number: ReportNumber,
    request: Request,
    session: DbSession,
    fmt: Format = "html",
    principal: Principal = allow(*READERS, Role.THIRD_PARTY),
) -> Response:
    """A report issued earlier, again (the PDF of the page just read, say)."""
    report = reports.read_issued(session, principal, number, ip=client_ip(request))
    return respond(request, report, fmt)


@router.get("/reports/{subject_id}")
def subject_report(
    subject_id: SubjectId,
    request: Request,
    session: DbSession,
    day: Today,
    fmt: Format = "html",
    purpose: Purpose = reports.REPORT_PURPOSE,
    principal: Principal = allow(*READERS),
) -> Response:
    """Issue a signed report on a subject: their own for a citizen, any for staff."""
    report = reports.issue_report(
        session,
        principal,
        issuer(request),
        subject_id,
        day,
        purpose=purpose,
        ip=client_ip(request),
    )
    return respond(request, report, fmt)
