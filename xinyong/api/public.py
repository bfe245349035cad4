"""Public JSON (信用门户): the 双公示 search, record and organisation pages as data.

Open to everyone, like the portal pages they mirror; the same query layer decides what
may be shown (``archive.public``): live, public datasets, no minors, ID numbers masked.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from xinyong.archive import public, reports
from xinyong.archive.schemas import PublicPage, PublicRecord, PublicSubject, ReportVerification
from xinyong.core.security import Principal
from xinyong.lists import public as lists_public
from xinyong.lists.definitions import get_lists as lists_of
from xinyong.lists.schemas import PublicList, PublicListPage
from xinyong.web.access import PUBLIC
from xinyong.web.deps import DbSession
from xinyong.web.state import app_state

router = APIRouter(prefix="/public", tags=["public"])


def publication(request: Request) -> public.Publication:
    """The rules of publication in force today."""
    state = app_state(request)
    settings = state.settings
    return public.Publication(
        state.catalog, settings.publish_person_penalties, date.today(), settings.review_first
    )


def public_query(
    q: Annotated[str | None, Query(max_length=100, description="Name, 文书号 or USCC")] = None,
    dataset: Annotated[str | None, Query(max_length=32, description="XZCF or XZXK …")] = None,
    department: Annotated[str | None, Query(max_length=32, description="Department code")] = None,
    date_from: Annotated[date | None, Query(description="Decided on or after")] = None,
    date_to: Annotated[date | None, Query(description="Decided on or before")] = None,
    page: Annotated[int, Query(ge=1, le=500)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = public.PAGE_SIZE,
) -> public.PublicQuery:
    """A search's parameters (shared by the page and the JSON)."""
    return public.PublicQuery(q, dataset, department, date_from, date_to, page, size)


Rules = Annotated[public.Publication, Depends(publication)]
RecordId = Annotated[int, Path(ge=1, le=2**62, description="The record's id")]
ReportNumber = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
ListCode = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
Search = Annotated[public.PublicQuery, Depends(public_query)]


@router.get("/records", response_model=PublicPage, summary="Search 双公示 records")
def search_records(
    session: DbSession, rules: Rules, query: Search, _: Principal = PUBLIC
) -> PublicPage:
    """Public records matching a name, document number or USCC, with filters; newest first."""
    return public.search(session, rules, query)


@router.get("/records/{record_id}", response_model=PublicRecord, summary="One public record")
def get_record(
    record_id: RecordId, session: DbSession, rules: Rules, _: Principal = PUBLIC
) -> PublicRecord:
    """A record's public fields (404 when it is not, or no longer, public)."""
    return public.public_record(session, rules, record_id)


@router.get(
    "/subjects/{uscc}", response_model=PublicSubject, summary="An organisation's public page"
)
def get_subject(
    uscc: str, session: DbSession, rules: Rules, _: Principal = PUBLIC
) -> PublicSubject:
    """An organisation's name, code and public records."""
    return public.public_subject(session, rules, uscc)


@router.get(
    "/reports/{number}",
    response_model=ReportVerification,
    summary="Verify a printed credit report",
)
def verify_report(
    number: ReportNumber,
    request: Request,
    session: DbSession,
    _: Principal = PUBLIC,
) -> ReportVerification:
    """Whether the report with this number is genuine and unchanged, and what it listed."""
    return reports.verify(session, app_state(request).signer, number)


@router.get("/lists", response_model=list[PublicList], summary="The published lists")
def get_lists(
    request: Request, session: DbSession, rules: Rules, _: Principal = PUBLIC
) -> list[PublicList]:
    """Every public list (red and black lists) with how many it names today."""
    return lists_public.published(session, rules, lists_of(rules.catalog))


@router.get("/lists/{code}", response_model=PublicListPage, summary="One published list")
def get_list(
    code: ListCode,
    session: DbSession,
    rules: Rules,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    _: Principal = PUBLIC,
) -> PublicListPage:
    """A public list's current entries, newest first, masked like every public record."""
    return lists_public.entries(session, rules, lists_of(rules.catalog), code, page)
