"""The exchange feed (信用信息交换): status changes the platforms above and below must
apply to their copies — repairs, withdrawals, disputes and their ends — in order, each with
the day it must have been applied by (standards.md: within 3 working days)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from xinyong.archive.models import ExchangeEvent
from xinyong.core.security import Principal, Role
from xinyong.web.access import allow
from xinyong.web.deps import DbSession

router = APIRouter(prefix="/exchange", tags=["exchange"])
MAX_PAGE = 1000


class ExchangeEventView(BaseModel):
    """One status change of a record, keyed as the partner platforms hold it."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Cursor: ask for events after the last one applied")
    record_id: int
    dataset_code: str
    business_key: str = Field(description="The record's business key in its dataset")
    department_code: str
    status_from: str
    status_to: str = Field(description="repaired, withdrawn, disputed, active, corrected …")
    reason: str
    occurred_at: datetime
    sync_due: date = Field(description="Apply by this day")


@router.get("/events", response_model=list[ExchangeEventView], summary="Status changes")
def events(
    session: DbSession,
    after: Annotated[int, Query(ge=0, le=2**62, description="Last event id applied")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    principal: Principal = allow(Role.EXCHANGE, Role.PLATFORM_ADMIN),
) -> list[ExchangeEventView]:
    """Events after the cursor, oldest first; an empty page means up to date."""
    rows = session.scalars(
        select(ExchangeEvent)
        .where(ExchangeEvent.id > after)
        .order_by(ExchangeEvent.id)
        .limit(limit)
    )
    return [ExchangeEventView.model_validate(row) for row in rows]
