"""Staff pages of the archive: find a subject, read their archive; the confidentiality
review queue (保密审查) and the records on hold."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from xinyong.api.archive import read_archive
from xinyong.archive import profile, reports, review
from xinyong.console.views import FORM_ERRORS, refusal
from xinyong.core.security import Principal, Role
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, RowId, Today
from xinyong.web.state import app_state
from xinyong.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
ARCHIVE_STAFF = tuple(sorted(profile.ARCHIVE_STAFF))
REVIEWERS = (Role.PLATFORM_ADMIN, Role.REVIEWER)
# Why staff open an archive (查询使用登记 needs a purpose); the first is the default.
PURPOSES = ("信用档案核查", "异议处理", "信用修复审核", "保密审查", "数据质量核实")
Purpose = Annotated[str, Query(max_length=40)]
RecordIdForm = Annotated[int, Form(ge=1, le=2**62)]


def _purpose(value: str) -> str:
    return value if value in PURPOSES else PURPOSES[0]


@router.get("/subjects")
def find_subjects(
    request: Request,
    session: DbSession,
    q: Annotated[str, Query(max_length=100)] = "",
    purpose: Purpose = PURPOSES[0],
    _: Principal = allow(*ARCHIVE_STAFF),
) -> Response:
    """Look a subject up by code or by the start of their name."""
    found = profile.find_subjects(session, q) if q.strip() else []
    context = {"q": q, "found": found, "purposes": PURPOSES, "purpose": _purpose(purpose)}
    return render(request, "console/subjects.html", context)


@router.get("/subjects/{subject_id}")
def subject_archive(
    subject_id: RowId,
    request: Request,
    session: DbSession,
    day: Today,
    purpose: Purpose = PURPOSES[0],
    principal: Principal = allow(*ARCHIVE_STAFF),
) -> Response:
    """A subject's whole archive for staff; the read is logged with its purpose."""
    purpose = _purpose(purpose)
    archive = read_archive(request, session, principal, subject_id, day, purpose)
    context = {
        "a": archive,
        "purpose": purpose,
        "issued": reports.reports_of(session, subject_id),
    }
    return render(request, "console/subject.html", context)


@router.get("/review")
def review_queue(
    request: Request, session: DbSession, _: Principal = allow(*REVIEWERS)
) -> Response:
    """Batches waiting for their confidentiality review, and the records on hold."""
    catalog = app_state(request).catalog
    context = {
        "batches": review.queue(session, catalog),
        "held": review.held_records(session, catalog),
        "review_first": app_state(request).settings.review_first,
    }
    return render(request, "console/review.html", context)


@router.get("/review/batches/{batch_id}")
def review_batch(
    batch_id: RowId,
    request: Request,
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    error: Annotated[str, Query(max_length=200)] = "",
    _: Principal = allow(*REVIEWERS),
) -> Response:
    """A batch's records as the public would see them, each with a hold form."""
    batch, rows, total = review.batch_records(session, app_state(request).catalog, batch_id, page)
    context = {
        "batch": batch,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // review.PAGE_SIZE)),
        "error": error,
    }
    return render(request, "console/review_batch.html", context)


@router.post("/review/batches/{batch_id}/done")
def review_done(
    batch_id: RowId, session: DbSession, principal: Principal = allow(*REVIEWERS)
) -> Response:
    """Close a batch's review."""
    review.mark_reviewed(session, principal, batch_id)
    return RedirectResponse("/console/review", status_code=303)


@router.post("/review/holds")
def hold_record(
    session: DbSession,
    record_id: RecordIdForm,
    reason: Annotated[str, Form(max_length=500)],
    back: Annotated[str, Form(max_length=200, pattern=r"^/console/review[/a-z0-9?=&]*$")],
    principal: Principal = allow(*REVIEWERS),
) -> Response:
    """Hold a record back from publication (the reason is required)."""
    try:
        review.hold(session, principal, record_id, reason)
    except FORM_ERRORS as exc:
        session.rollback()
        joiner = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{joiner}error={quote(refusal(exc))}", status_code=303)
    return RedirectResponse(back, status_code=303)


@router.post("/review/holds/{record_id}/release")
def release_record(
    record_id: Annotated[int, Path(ge=1, le=2**62)],
    session: DbSession,
    principal: Principal = allow(*REVIEWERS),
) -> Response:
    """Publish a held record again."""
    review.release(session, principal, record_id)
    return RedirectResponse("/console/review", status_code=303)
