"""What the objection and repair routes share: the case context, case ids, uploads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, UploadFile
from fastapi.responses import Response

from xinyong.rights.attachments import MAX_BYTES, Attachment, Upload
from xinyong.rights.cases import CaseContext, Deadlines
from xinyong.web.deps import Today
from xinyong.web.state import app_state

CaseId = Annotated[int, Path(ge=1, le=2**62)]


def case_context(request: Request, day: Today) -> CaseContext:
    """The catalog, calendar and deadlines in force."""
    state = app_state(request)
    settings = state.settings
    deadlines = Deadlines(
        settings.objection_accept_days,
        settings.objection_check_days,
        settings.objection_verify_days,
        settings.repair_decision_days,
    )
    return CaseContext(state.catalog, state.calendar, deadlines, day, settings.exchange_sync_days)


Context = Annotated[CaseContext, Depends(case_context)]


def read_uploads(files: list[UploadFile]) -> list[Upload]:
    """The uploaded files, each read up to one byte past the limit (an oversize file is
    refused without reading all of it)."""
    return [Upload(f.filename or "附件", f.file.read(MAX_BYTES + 1)) for f in files if f.filename]


def download(found: Attachment) -> Response:
    """An attached file as attached: served as a download, never rendered inline."""
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="attachment-{found.id}"'},
    )
