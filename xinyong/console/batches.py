"""Console pages for collection: upload a file, see the batch result, download the errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from xinyong.accounts import service as accounts
from xinyong.catalog.definitions import Dataset
from xinyong.core.errors import XinyongError
from xinyong.core.security import Principal, Role
from xinyong.ingest import report, service
from xinyong.ingest.models import Channel, RejectedRow
from xinyong.ingest.schemas import BatchOut, RejectedRowOut
from xinyong.ingest.uploads import spooled
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, RowId
from xinyong.web.state import app_state
from xinyong.web.templating import render

router = APIRouter(prefix="/console/batches", include_in_schema=False)
SUBMITTERS = (Role.SUBMITTER, Role.PLATFORM_ADMIN, Role.REVIEWER)
SHOWN_ERRORS = 200


def _submittable(request: Request, principal: Principal) -> list[Dataset]:
    """Datasets the caller's department may submit (all, for the credit centre)."""
    catalog = app_state(request).catalog
    if principal.role in service.CENTRAL_ROLES:
        return list(catalog.datasets.values())
    return [
        d
        for d in catalog.datasets.values()
        if "*" in d.source_departments or principal.department_code in d.source_departments
    ]


def _page(request: Request, session: DbSession, principal: Principal, **extra: object) -> Response:
    context = {
        "batches": [BatchOut.of(b) for b in service.list_batches(session, principal)],
        "datasets": _submittable(request, principal),
        "departments": (
            accounts.list_departments(session) if principal.role in service.CENTRAL_ROLES else []
        ),
        **extra,
    }
    return render(
        request, "console/batches.html", context, status_code=422 if extra.get("error") else 200
    )


@router.get("")
def batches(
    request: Request, session: DbSession, principal: Principal = allow(*SUBMITTERS)
) -> Response:
    """Recent batches and the upload form."""
    return _page(request, session, principal)


@router.post("")
async def upload(
    request: Request, session: DbSession, principal: Principal = allow(*SUBMITTERS)
) -> Response:
    """Ingest an uploaded file, then show its batch."""
    session.commit()  # release the request's lock: the batch writes in its own transaction
    state = app_state(request)
    form = await request.form()
    upload_file = form.get("file")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    department = fields.get("department_code") or principal.department_code or ""
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        return _page(request, session, principal, error="请选择要上传的文件")
    try:
        with spooled(upload_file, state.settings.max_upload_mb << 20) as path:
            batch = service.ingest(
                state.database,
                state.catalog,
                principal,
                service.Submission(
                    path,
                    upload_file.filename,
                    fields.get("dataset_code", ""),
                    department,
                    Channel.CONSOLE,
                    None,
                    fields.get("sheet") or None,
                ),
            )
    except XinyongError as exc:
        failed = exc.details.get("batch_id") if isinstance(exc.details, dict) else None
        if failed:
            return RedirectResponse(f"/console/batches/{failed}", status_code=303)
        return _page(request, session, principal, error=exc.message)
    return RedirectResponse(f"/console/batches/{batch.id}", status_code=303)


@router.get("/{batch_id}")
def batch(
    request: Request, batch_id: RowId, session: DbSession, principal: Principal = allow(*SUBMITTERS)
) -> Response:
    """A batch's result and its first errors."""
    found = service.get_batch(session, batch_id, principal)
    rows = session.scalars(
        select(RejectedRow)
        .where(RejectedRow.batch_id == batch_id)
        .order_by(RejectedRow.line)
        .limit(SHOWN_ERRORS)
    )
    dataset = app_state(request).catalog.dataset(found.dataset_code)
    return render(
        request,
        "console/batch.html",
        {
            "batch": BatchOut.of(found),
            "dataset": dataset,
            "errors": [RejectedRowOut.of(r) for r in rows],
            "shown": SHOWN_ERRORS,
        },
    )


@router.get("/{batch_id}/errors.{fmt}")
def errors_file(
    request: Request,
    batch_id: RowId,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    session: DbSession,
    principal: Principal = allow(*SUBMITTERS),
) -> Response:
    """The error report as CSV or XLSX."""
    service.get_batch(session, batch_id, principal)
    return report.download(session, principal, app_state(request).database, batch_id, fmt)
