"""Public pages of the published lists (红黑名单公示)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from xinyong.api.public import Rules
from xinyong.core.security import Principal
from xinyong.lists import public
from xinyong.lists.definitions import get_lists
from xinyong.web.access import PUBLIC
from xinyong.web.deps import DbSession
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/lists")
def lists_page(
    request: Request, session: DbSession, rules: Rules, _: Principal = PUBLIC
) -> Response:
    """The published lists with how many each names."""
    found = public.published(session, rules, get_lists(rules.catalog))
    return render(request, "portal/lists.html", {"lists": found})


@router.get("/lists/{code}")
def list_page(
    code: Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")],
    request: Request,
    session: DbSession,
    rules: Rules,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    _: Principal = PUBLIC,
) -> Response:
    """One published list, newest entries first."""
    result = public.entries(session, rules, get_lists(rules.catalog), code, page)
    return render(request, "portal/list.html", {"p": result})
