"""The versioned JSON API (routers only; the logic lives in the rooms)."""

from __future__ import annotations

from fastapi import APIRouter

from xinyong.api import (
    accounts,
    archive,
    audit,
    authorisations,
    batches,
    calendar,
    catalog,
    checks,
    exchange,
    identity,
    lists,
    objections,
    public,
    querylog,
    repairs,
)

API_PREFIX = "/api/v1"


def build_router() -> APIRouter:
    """All API routers under ``/api/v1``."""
    router = APIRouter(prefix=API_PREFIX)
    for module in (
        checks,  # first: the hottest path is matched before every other route is tried
        catalog,
        accounts,
        identity,
        batches,
        audit,
        calendar,
        public,
        archive,
        lists,
        objections,
        repairs,
        authorisations,
        exchange,
        querylog,
    ):
        router.include_router(module.router)
    return router
