"""The subject's own query log over HTTP (查询使用登记: who read my data)."""

from __future__ import annotations

from fastapi import APIRouter

from xinyong.core.security import Principal, Role
from xinyong.portal.me import Before, subject_id_of
from xinyong.rights import querylog
from xinyong.web.access import allow
from xinyong.web.deps import DbSession

router = APIRouter(prefix="/me", tags=["accounts"])


@router.get("/reads", response_model=list[querylog.ReadView], summary="Who read my data")
def my_reads(
    session: DbSession, before: Before = None, principal: Principal = allow(Role.CITIZEN)
) -> list[querylog.ReadView]:
    """The logged-in subject's query log, newest first, 50 at a time (``before``: the
    ``seq`` of the last one seen)."""
    return querylog.own_reads(session, subject_id_of(principal), principal.actor, before)
