"""A subject's objection pages: file one against a record of theirs (from /me, in three
steps: the record's link, the form, submit), follow its stages and deadlines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from xinyong.api.cases import CaseId, Context, read_uploads
from xinyong.console.views import FORM_ERRORS, refusal
from xinyong.core.security import Principal, Role
from xinyong.ingest.models import Record
from xinyong.rights import objections
from xinyong.rights.models import GROUND_LABELS, Ground
from xinyong.web.access import allow
from xinyong.web.deps import DbSession
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)


def _form(
    request: Request, record: Record | None, error: str | None = None, **form: object
) -> Response:
    context = {"record": record, "grounds": GROUND_LABELS, "form": form, "error": error}
    return render(request, "portal/objection_new.html", context, status_code=422 if error else 200)


@router.get("/me/objections/new")
def new_objection(
    request: Request,
    session: DbSession,
    record_id: Annotated[int, Query(ge=1, le=2**62)],
    principal: Principal = allow(Role.CITIZEN),
) -> Response:
    """The objection form for one of the subject's records."""
    record = session.get(Record, record_id)
    if record is None or record.subject_id != principal.subject_id:
        return _form(request, None, "没有这条记录")
    return _form(request, record)


@router.post("/me/objections")
def file_objection(
    request: Request,
    session: DbSession,
    context: Context,
    record_id: Annotated[int, Form(ge=1, le=2**62)],
    ground: Annotated[str, Form(max_length=32)],
    statement: Annotated[str, Form(max_length=4000)],
    files: Annotated[list[UploadFile] | None, File()] = None,
    principal: Principal = allow(Role.CITIZEN),
) -> Response:
    """File it; on success, the case page."""
    try:
        case = objections.file_objection(
            session,
            principal,
            context,
            record_id,
            Ground(ground),
            statement,
            read_uploads(files or []),
        )
    except FORM_ERRORS as exc:
        session.rollback()
        record = session.get(Record, record_id)
        mine = record if record and record.subject_id == principal.subject_id else None
        return _form(request, mine, refusal(exc), ground=ground, statement=statement)
    return RedirectResponse(f"/me/objections/{case.id}", status_code=303)


@router.get("/me/objections/{case_id}")
def my_case(
    request: Request,
    session: DbSession,
    context: Context,
    case_id: CaseId,
    principal: Principal = allow(Role.CITIZEN),
) -> Response:
    """A case's stage, deadline, outcome and attachments."""
    case = objections.case_for(session, principal, case_id)
    view = objections.view(session, case, context.today)
    return render(request, "portal/objection.html", {"case": view})
