"""Working-day API: deadlines in Chinese working days (public: holidays are public)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from xinyong.core.security import Principal
from xinyong.web.access import PUBLIC
from xinyong.web.state import app_state

router = APIRouter(prefix="/calendar", tags=["calendar"])


class DeadlineOut(BaseModel):
    """A deadline counted in working days."""

    start: date
    working_days: int
    deadline: date
    provisional: bool


class DayOut(BaseModel):
    """Whether a day is a working day."""

    day: date
    working_day: bool
    holiday: str | None
    provisional: bool


@router.get("/deadline", response_model=DeadlineOut, summary="Add working days")
def deadline(
    request: Request,
    start: date,
    working_days: int = Query(ge=0, le=3660),
    _: Principal = PUBLIC,
) -> DeadlineOut:
    """The date ``working_days`` working days after ``start``."""
    calendar = app_state(request).calendar
    end = calendar.add_working_days(start, working_days)
    provisional = any(calendar.provisional(y) for y in range(start.year, end.year + 1))
    return DeadlineOut(
        start=start, working_days=working_days, deadline=end, provisional=provisional
    )


@router.get("/days/{day}", response_model=DayOut, summary="One day")
def day_info(day: date, request: Request, _: Principal = PUBLIC) -> DayOut:
    """Whether ``day`` is a working day, and the holiday it belongs to."""
    calendar = app_state(request).calendar
    return DayOut(
        day=day,
        working_day=calendar.is_working_day(day),
        holiday=calendar.holiday_name(day),
        provisional=calendar.provisional(day.year),
    )
