"""Derived lists (派生名单): subjects listed for what they do not have.

"Three years with no bad record" (三年无不良信用记录): a subject of the kinds the rule names
whom the platform has known for the whole period (a record decided before it began) and
who has no bad record — a record of a negative dataset — decided within the period, and
none live. Withdrawn records never count. Expired and repaired records decided within the
period do: the list rewards a clean history, and repair ends a record's consequences, not
the fact of the decision. The list only ever grants; it triggers nothing against anyone.

Set-based like every list: subjects enter by one INSERT … SELECT, leave by one UPDATE with
the reason "ineligible"; after a batch only the subjects the batch is about are looked at,
the daily sweep looks at all (time alone makes subjects eligible).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, insert, literal, null, or_, select, update
from sqlalchemy.orm import Session

from xinyong.archive.visibility import live
from xinyong.catalog.definitions import Polarity
from xinyong.catalog.loader import Catalog
from xinyong.core.db import UTCDateTime, utcnow
from xinyong.core.sql import changed_rows
from xinyong.identity.models import Subject
from xinyong.ingest.models import Record, RecordStatus
from xinyong.lists.definitions import DerivedRule, ListDefinition
from xinyong.lists.models import EntrySource, ExitReason, ListEntry


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _bad_record(catalog: Catalog, today: date, since: date) -> ColumnElement[bool]:
    """The subject has a bad record decided since ``since`` (not withdrawn), or a live one."""
    negative = [c for c, d in catalog.datasets.items() if d.polarity is Polarity.NEGATIVE]
    return (
        select(Record.id)
        .where(
            Record.subject_id == Subject.id,
            Record.dataset_code.in_(negative),
            or_(
                and_(Record.decision_date > since, Record.status != RecordStatus.WITHDRAWN),
                live(today),
            ),
        )
        .exists()
    )


def _known_since(before: date) -> ColumnElement[bool]:
    """The platform holds a record of the subject decided on or before ``before``."""
    return (
        select(Record.id)
        .where(
            Record.subject_id == Subject.id,
            Record.decision_date <= before,
            Record.status != RecordStatus.WITHDRAWN,
        )
        .exists()
    )


def _listed(code: str) -> ColumnElement[bool]:
    return (
        select(ListEntry.id)
        .where(
            ListEntry.subject_id == Subject.id,
            ListEntry.list_code == code,
            ListEntry.exited_on.is_(None),
        )
        .exists()
    )


def derive(
    session: Session,
    catalog: Catalog,
    definition: ListDefinition,
    today: date,
    touched: Select[int] | None,
) -> tuple[int, int]:
    """Bring a derived list up to date: (entries ended, entries made)."""
    rule: DerivedRule | None = definition.derived
    assert rule is not None
    since = years_before(today, rule.clean_years)
    bad = _bad_record(catalog, today, since)
    scope: ColumnElement[bool] = Subject.kind.in_(rule.subject_kinds)
    if touched is not None:
        scope = and_(scope, Subject.id.in_(touched))
    ended_subjects = select(Subject.id).where(scope, bad)
    ended = changed_rows(
        session,
        update(ListEntry)
        .where(
            ListEntry.list_code == definition.code,
            ListEntry.source == EntrySource.DERIVED,
            ListEntry.exited_on.is_(None),
            ListEntry.subject_id.in_(ended_subjects),
        )
        .values(exited_on=today, exit_reason=ExitReason.INELIGIBLE),
    )
    rows = select(
        literal(definition.code),
        Subject.id,
        null(),
        literal(EntrySource.DERIVED.value),
        literal(today),
        null(),
        literal(utcnow(), UTCDateTime()),
    ).where(scope, _known_since(since), ~bad, ~_listed(definition.code))
    columns = ["list_code", "subject_id", "record_id", "source", "entered_on", "planned_exit"]
    made = changed_rows(session, insert(ListEntry).from_select([*columns, "created_at"], rows))
    return ended, made
