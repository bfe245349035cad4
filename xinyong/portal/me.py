"""A citizen's own pages: their credit archive (我的信用档案), with what they may contest
or repair, their cases, notices and the query log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from xinyong.api.archive import read_archive
from xinyong.archive import reports
from xinyong.core.errors import NotFound
from xinyong.core.security import Principal, Role
from xinyong.ingest.models import Record
from xinyong.rights import objections, querylog, repairs
from xinyong.rights.notices import notices_for
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today
from xinyong.web.state import app_state
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)
Before = Annotated[int | None, Query(ge=1, le=2**62, description="Older than this entry")]


def subject_id_of(principal: Principal) -> int:
    """The logged-in subject's id (an account without one is a 404)."""
    if principal.subject_id is None:
        raise NotFound("当前账户未关联信用主体", code="no_subject")
    return principal.subject_id


@router.get("/me")
def my_archive(
    request: Request, session: DbSession, day: Today, principal: Principal = allow(Role.CITIZEN)
) -> Response:
    """The logged-in subject's archive and the reports issued on them."""
    subject_id = subject_id_of(principal)
    archive = read_archive(request, session, principal, subject_id, day, "本人查询")
    records = list(session.scalars(select(Record).where(Record.subject_id == subject_id)))
    context = {
        "a": archive,
        "issued": reports.reports_of(session, subject_id),
        "cases": objections.views(session, objections.cases_for(session, principal), day),
        "repairs": repairs.views(session, repairs.cases_for(session, principal), day),
        "notices": notices_for(session, subject_id),
        "contest": True,  # each record links to the objection form
        # and, when its rule allows, to the repair form or the day it opens
        "repair": repairs.eligibility(session, app_state(request).catalog, records, day),
    }
    return render(request, "portal/me.html", context)


@router.get("/me/reads")
def my_reads(
    request: Request,
    session: DbSession,
    before: Before = None,
    principal: Principal = allow(Role.CITIZEN),
) -> Response:
    """Who looked at my record (查询使用登记): every read of the subject's data."""
    reads = querylog.own_reads(session, subject_id_of(principal), principal.actor, before)
    return render(request, "portal/reads.html", {"reads": reads, "page": querylog.PAGE})
