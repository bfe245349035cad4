"""Error reports: the rejected rows with their original columns plus an error column."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response, StreamingResponse

from xinyong.audit import service as audit
from xinyong.core.db import Database
from xinyong.core.security import Principal
from xinyong.ingest.models import RejectedRow

ERROR_COLUMN = "错误说明"
LINE_COLUMN = "原行号"


def _rows(session: Session, batch_id: int) -> Iterator[tuple[int, dict[str, object], str]]:
    query = (
        select(RejectedRow)
        .where(RejectedRow.batch_id == batch_id)
        .order_by(RejectedRow.line)
        .execution_options(yield_per=2000)
    )
    for row in session.scalars(query):
        errors = json.loads(row.errors)
        text = "；".join(f"{e['name']}: {e['message']}" for e in errors)
        yield row.line, json.loads(row.original), text


def _columns(session: Session, batch_id: int) -> list[str]:
    first = session.scalar(
        select(RejectedRow.original)
        .where(RejectedRow.batch_id == batch_id)
        .order_by(RejectedRow.line)
        .limit(1)
    )
    return list(json.loads(first)) if first else []


def error_csv(session: Session, batch_id: int) -> Iterator[str]:
    """The report as CSV text chunks (UTF-8 with BOM so Excel opens it right)."""
    columns = _columns(session, batch_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([LINE_COLUMN, *columns, ERROR_COLUMN])
    for count, (line, original, text) in enumerate(_rows(session, batch_id), start=1):
        writer.writerow([line, *(original.get(c) for c in columns), text])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def error_xlsx(session: Session, batch_id: int) -> bytes:
    """The report as an XLSX workbook (written in constant memory)."""
    columns = _columns(session, batch_id)
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": True})
    sheet = workbook.add_worksheet("错误数据")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [LINE_COLUMN, *columns, ERROR_COLUMN], bold)
    for index, (line, original, text) in enumerate(_rows(session, batch_id), start=1):
        values = [line, *(original.get(c) for c in columns), text]
        sheet.write_row(index, 0, ["" if v is None else v for v in values])
    workbook.close()
    return output.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


EXPORTED = "personal_data.export"


def download(
    session: Session, principal: Principal, database: Database, batch_id: int, fmt: str
) -> Response:
    """The error report as a download: CSV streamed, XLSX in one piece. The rows as sent
    carry personal data, so the export is in the audit trail (who, which batch, format)."""
    audit.record(
        session,
        principal,
        EXPORTED,
        target_type="batch",
        target_id=batch_id,
        purpose="下载错误报告（更正后重新报送）",
        detail={"format": fmt},
    )
    name = f"batch-{batch_id}-errors.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "xlsx":
        with database.reading() as session:
            return Response(error_xlsx(session, batch_id), media_type=XLSX_TYPE, headers=headers)

    def stream() -> Iterator[str]:
        # Its own read transaction: the request's session is closed before streaming starts.
        with database.reading() as session:
            yield from error_csv(session, batch_id)

    return StreamingResponse(stream(), media_type="text/csv", headers=headers)
