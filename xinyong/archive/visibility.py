"""The one query layer every reader of records goes through: what is live, what is public.

A record past its display period is not shown, shared, scored and triggers nothing, from
the day after its last day — whether or not the sweep has marked it expired yet.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_

from xinyong.ingest.models import Record, RecordStatus

# Statuses of a record that is in force (a disputed one is shown, marked; issue: rights).
IN_FORCE = (RecordStatus.ACTIVE, RecordStatus.DISPUTED, RecordStatus.CORRECTED)


# The clock of a record whose rule sets no end, for a comparison no index can serve.
NO_END = date(9999, 12, 31)


def within_period(
    today: date | ColumnElement[date], *, indexed: bool = True
) -> ColumnElement[bool]:
    """The record's clock has not run out (null: the rule sets no end); ``today`` may be a
    bound parameter of a statement built once. Not ``indexed``, the same test is written
    so that no planner reads it from the clock index (see ``live``)."""
    if not indexed:
        return func.coalesce(Record.display_until, NO_END) >= today
    return or_(Record.display_until.is_(None), Record.display_until >= today)


def live(today: date, *, indexed: bool = True) -> ColumnElement[bool]:
    """In force and within its display period: what may be shown, shared, scored, used.

    Most records are live, so the clock index only serves the sweep (what ran out). A
    search that must not be driven by it asks for it not ``indexed``: PostgreSQL otherwise
    ANDed a bitmap of every record in force (two million, 80 ms) into a department's
    dates."""
    return and_(Record.status.in_(IN_FORCE), within_period(today, indexed=indexed))


def past_period(today: date) -> ColumnElement[bool]:
    """In force but past its period: what the sweep marks expired."""
    return and_(Record.status.in_(IN_FORCE), Record.display_until < today)
