"""Public pages of records: the 双公示 search, a record, an organisation (信用门户)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from xinyong.accounts.models import Department
from xinyong.api.public import RecordId, Rules, Search
from xinyong.archive import public
from xinyong.core.security import Principal
from xinyong.web.access import PUBLIC
from xinyong.web.deps import DbSession
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/search")
def search_page(
    request: Request, session: DbSession, rules: Rules, query: Search, _: Principal = PUBLIC
) -> Response:
    """The 双公示 search with its filters and pages."""
    result = public.search(session, rules, query)
    departments = session.execute(
        select(Department.code, Department.name).order_by(Department.code)
    )

    def page_query(page: int) -> str:
        kept = {k: v for k, v in request.query_params.items() if k != "page" and v}
        return urlencode({**kept, "page": page})

    return render(
        request,
        "portal/search.html",
        {
            "query": query,
            "result": result,
            "datasets": [(c, rules.catalog.datasets[c].name) for c in rules.public_datasets],
            "departments": departments.all(),
            "page_query": page_query,
        },
    )


@router.get("/records/{record_id}")
def record_page(
    record_id: RecordId, request: Request, session: DbSession, rules: Rules, _: Principal = PUBLIC
) -> Response:
    """One public record."""
    return render(
        request, "portal/record.html", {"r": public.public_record(session, rules, record_id)}
    )


@router.get("/subjects/{uscc}")
def subject_page(
    uscc: str, request: Request, session: DbSession, rules: Rules, _: Principal = PUBLIC
) -> Response:
    """An organisation's public page."""
    return render(
        request, "portal/subject.html", {"s": public.public_subject(session, rules, uscc)}
    )
