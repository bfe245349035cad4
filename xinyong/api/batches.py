"""Collection API: department systems submit batches and read back what became of them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile

from xinyong.core.errors import InvalidInput
from xinyong.core.security import Principal, Role
from xinyong.ingest import report, service
from xinyong.ingest.models import Channel, RejectedRow
from xinyong.ingest.schemas import BatchOut, RejectedRowOut, RowsIn
from xinyong.ingest.uploads import rows_file, spooled
from xinyong.web.access import allow
from xinyong.web.deps import MAX_SEQ, DbSession, RowId
from xinyong.web.state import app_state

router = APIRouter(tags=["collection"])
SUBMITTERS = (Role.SUBMITTER, Role.PLATFORM_ADMIN, Role.REVIEWER)
READERS = (*SUBMITTERS, Role.AUDITOR)
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "department_code": {"type": "string"},
                        "sheet": {"type": "string"},
                        "format": {"type": "string", "enum": ["csv", "xlsx", "jsonl"]},
                    },
                }
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/RowsIn"}},
        },
    }
}


def _department(principal: Principal, given: str | None) -> str:
    department = given or principal.department_code
    if not department:
        raise InvalidInput("请指定报送部门 department_code", code="department_required")
    return department


@router.post(
    "/datasets/{code}/batches",
    response_model=BatchOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_BODY,
    summary="Submit a batch (file upload or JSON rows)",
)
async def submit(
    code: str, request: Request, session: DbSession, principal: Principal = allow(*SUBMITTERS)
) -> BatchOut:
    """Validate and store a file or JSON rows as one atomic batch; rejected rows are kept."""
    state = app_state(request)
    # The principal lookup may hold SQLite's write lock; the batch takes its own.
    session.commit()
    limit = state.settings.max_upload_mb << 20
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = RowsIn.model_validate_json(await request.body())
        except ValidationError as exc:
            raise InvalidInput(
                'JSON 应为 {"rows": [ {…}, … ]}',
                details=exc.errors(include_url=False, include_context=False),
            ) from exc
        department = _department(principal, request.query_params.get("department_code"))
        with rows_file(body.rows) as path:
            submission = service.Submission(
                path, "rows.jsonl", code, department, Channel.API, "jsonl"
            )
            batch = service.ingest(state.database, state.catalog, principal, submission)
        return BatchOut.of(batch)
    if not content_type.startswith("multipart/form-data"):
        raise InvalidInput(
            "请以 multipart/form-data 上传文件，或以 application/json 提交 rows",
            code="unsupported_media_type",
            status_code=415,
        )
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("缺少文件字段 file", code="file_required")
    fields = {k: v for k, v in form.items() if isinstance(v, str) and v}
    department = _department(principal, fields.get("department_code"))
    with spooled(upload, limit) as path:
        submission = service.Submission(
            path,
            upload.filename or "upload",
            code,
            department,
            Channel.API,
            fields.get("format"),
            fields.get("sheet"),
        )
        batch = service.ingest(state.database, state.catalog, principal, submission)
    return BatchOut.of(batch)


@router.get("/batches", response_model=list[BatchOut], summary="Recent batches")
def batches(session: DbSession, principal: Principal = allow(*READERS)) -> list[BatchOut]:
    """The newest batches the caller may see (a department sees its own)."""
    return [BatchOut.of(b) for b in service.list_batches(session, principal)]


@router.get("/batches/{batch_id}", response_model=BatchOut, summary="One batch")
def batch(batch_id: RowId, session: DbSession, principal: Principal = allow(*READERS)) -> BatchOut:
    """Counts, provenance and status of a batch."""
    return BatchOut.of(service.get_batch(session, batch_id, principal))


@router.get(
    "/batches/{batch_id}/errors",
    response_model=list[RejectedRowOut],
    summary="Rejected rows of a batch",
    responses={200: {"content": {"text/csv": {}, report.XLSX_TYPE: {}}}},
)
def errors(
    batch_id: RowId,
    request: Request,
    session: DbSession,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
    after_line: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    principal: Principal = allow(*READERS),
) -> Any:
    """JSON pages (keyset on line), or the whole report as CSV/XLSX to correct and resubmit."""
    service.get_batch(session, batch_id, principal)
    if format != "json":
        return report.download(session, principal, app_state(request).database, batch_id, format)
    rows = session.scalars(
        select(RejectedRow)
        .where(RejectedRow.batch_id == batch_id, RejectedRow.line > after_line)
        .order_by(RejectedRow.line)
        .limit(limit)
    )
    return [RejectedRowOut.of(r) for r in rows]
