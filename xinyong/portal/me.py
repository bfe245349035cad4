"""A citizen's own pages: their credit archive (我的信用档案)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xinyong.api.archive import read_archive
from xinyong.archive import reports
from xinyong.core.errors import NotFound
from xinyong.core.security import Principal, Role
from xinyong.rights import objections
from xinyong.rights.notices import notices_for
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/me")
def my_archive(
    request: Request, session: DbSession, day: Today, principal: Principal = allow(Role.CITIZEN)
) -> Response:
    """The logged-in subject's archive and the reports issued on them."""
    if principal.subject_id is None:
        raise NotFound("当前账户未关联信用主体", code="no_subject")
    archive = read_archive(request, session, principal, principal.subject_id, day, "本人查询")
    context = {
        "a": archive,
        "issued": reports.reports_of(session, principal.subject_id),
        "cases": [
            objections.view(session, c, day) for c in objections.cases_for(session, principal)
        ],
        "notices": notices_for(session, principal.subject_id),
        "contest": True,  # each record links to the objection form
    }
    return render(request, "portal/me.html", context)
