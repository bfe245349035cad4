"""List entries follow records, set-based: enter what matches a rule and is live, exit what
no longer is (with the reason), reach the persons an organisation's entry names (落实到人)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from xinyong.archive.schemas import ListEntryView
from xinyong.archive.visibility import live, within_period
from xinyong.catalog.loader import Catalog
from xinyong.core.db import UTCDateTime, utcnow
from xinyong.core.sql import changed_rows, json_text
from xinyong.identity.models import Subject, SubjectRelation
from xinyong.ingest.models import Record, RecordStatus
from xinyong.lists.definitions import ListDefinition, ListRule, ListsFile, severity_field
from xinyong.lists.derived import derive
from xinyong.lists.models import EntrySource, ExitReason, ListEntry


@dataclass
class RecomputeResult:
    """What a recomputation changed, per list."""

    entered: dict[str, int] = field(default_factory=dict)
    reached: dict[str, int] = field(default_factory=dict)
    exited: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Entries added or ended."""
        return sum(self.entered.values()) + sum(self.reached.values()) + sum(self.exited.values())


def rule_matches(catalog: Catalog, rule: ListRule) -> ColumnElement[bool]:
    """A record satisfies ``rule`` (its dataset, severity and field values)."""
    conditions: list[ColumnElement[bool]] = [Record.dataset_code == rule.dataset]
    if rule.severity:
        dataset = catalog.datasets[rule.dataset]
        assert dataset.severity is not None  # checked when the lists load
        stated = severity_field(catalog, rule.dataset)
        severity = (
            func.coalesce(json_text(Record.data, stated), dataset.severity.value)
            if stated
            else literal(dataset.severity.value)
        )
        conditions.append(severity.in_([s.value for s in rule.severity]))
    for code, values in rule.where.items():
        conditions.append(json_text(Record.data, code).in_(values))
    return and_(*conditions)


def list_matches(catalog: Catalog, definition: ListDefinition) -> ColumnElement[bool]:
    """A record satisfies one of the list's rules."""
    return or_(*(rule_matches(catalog, r) for r in definition.rules))


def _enter(
    session: Session,
    catalog: Catalog,
    definition: ListDefinition,
    today: date,
    scope: ColumnElement[bool],
) -> int:
    """Entries for live matching records that have none yet."""
    active = select(ListEntry.id).where(
        ListEntry.record_id == Record.id,
        ListEntry.list_code == definition.code,
        ListEntry.source == EntrySource.RULE,
        ListEntry.exited_on.is_(None),
    )
    rows = select(
        literal(definition.code),
        Record.subject_id,
        Record.id,
        literal(EntrySource.RULE.value),
        func.coalesce(Record.decision_date, today),
        Record.display_until,
        literal(utcnow(), UTCDateTime()),
    ).where(scope, live(today), list_matches(catalog, definition), ~active.exists())
    columns = ["list_code", "subject_id", "record_id", "source", "entered_on", "planned_exit"]
    return changed_rows(session, insert(ListEntry).from_select([*columns, "created_at"], rows))


def _reach(session: Session, definition: ListDefinition, touched: Select[int] | None) -> int:
    """落实到人: persons in the named roles at a listed organisation get an entry too (only
    organisations with records in ``touched``, when given: their entries or relations are
    the ones a batch can have changed)."""
    if not definition.reaches:
        return 0
    parent = aliased(ListEntry)
    already = select(ListEntry.id).where(
        ListEntry.via_entry_id == parent.id, ListEntry.subject_id == SubjectRelation.person_id
    )
    rows = (
        select(
            parent.list_code,
            SubjectRelation.person_id,
            parent.record_id,
            literal(EntrySource.REACHED.value),
            parent.id,
            parent.entered_on,
            parent.planned_exit,
            literal(utcnow(), UTCDateTime()),
        )
        .join(SubjectRelation, SubjectRelation.organisation_id == parent.subject_id)
        .where(
            parent.list_code == definition.code,
            parent.source.in_(WITH_RECORD),
            parent.exited_on.is_(None),
            SubjectRelation.role.in_(definition.reaches),
            SubjectRelation.valid_to.is_(None),
            ~already.exists(),
        )
    )
    if touched is not None:
        rows = rows.where(parent.subject_id.in_(touched))
    columns = [
        "list_code",
        "subject_id",
        "record_id",
        "source",
        "via_entry_id",
        "entered_on",
        "planned_exit",
        "created_at",
    ]
    return changed_rows(session, insert(ListEntry).from_select(columns, rows))


# Entries that rest on a record of their own and end with it.
WITH_RECORD = (EntrySource.RULE, EntrySource.SUBMITTED)


def _exit_where(
    session: Session,
    code: str,
    reason: ExitReason,
    record_condition: ColumnElement[bool],
    today: date,
    sources: tuple[EntrySource, ...] = WITH_RECORD,
) -> int:
    """End the list's active entries whose record meets ``record_condition``."""
    basis = select(Record.id).where(Record.id == ListEntry.record_id, record_condition)
    return _end(session, code, reason, basis.exists(), today, sources)


def _end(
    session: Session,
    code: str,
    reason: ExitReason,
    condition: ColumnElement[bool],
    today: date,
    sources: tuple[EntrySource, ...] = WITH_RECORD,
) -> int:
    """End the list's active entries (of ``sources``) that meet ``condition``."""
    return changed_rows(
        session,
        update(ListEntry)
        .where(
            ListEntry.list_code == code,
            ListEntry.source.in_(sources),
            ListEntry.exited_on.is_(None),
            condition,
        )
        .values(exited_on=today, exit_reason=reason),
    )


def _exit(
    session: Session,
    catalog: Catalog,
    definition: ListDefinition,
    today: date,
    scope: ColumnElement[bool],
) -> int:
    """End entries whose record was repaired, withdrawn, ran out, or no longer matches."""
    reasons = (
        (ExitReason.REPAIR, Record.status == RecordStatus.REPAIRED),
        (ExitReason.REVOCATION, Record.status == RecordStatus.WITHDRAWN),
        (
            ExitReason.EXPIRY,
            or_(Record.status == RecordStatus.EXPIRED, not_(within_period(today))),
        ),
    )
    ended = sum(
        _exit_where(session, definition.code, reason, and_(scope, condition), today)
        for reason, condition in reasons
    )
    if definition.rules:  # a corrected record no longer matching ends its rule entry
        no_match = and_(scope, live(today), not_(list_matches(catalog, definition)))
        ended += _exit_where(
            session, definition.code, ExitReason.CORRECTION, no_match, today, (EntrySource.RULE,)
        )
    # A submission may plan an exit before its record's clock runs out.
    return ended + _end(
        session, definition.code, ExitReason.EXPIRY, ListEntry.planned_exit < today, today
    )


def _exit_reached(session: Session, today: date, touched: Select[int] | None) -> int:
    """A reached person's entry ends with the organisation's, for the same reason (only
    organisations with records in ``touched``, when given)."""
    parent = aliased(ListEntry)
    ended = select(parent.id).where(
        parent.id == ListEntry.via_entry_id, parent.exited_on.is_not(None)
    )
    if touched is not None:
        ended = ended.where(parent.subject_id.in_(touched))
    reason = select(parent.exit_reason).where(parent.id == ListEntry.via_entry_id)
    return changed_rows(
        session,
        update(ListEntry)
        .where(
            ListEntry.source == EntrySource.REACHED,
            ListEntry.exited_on.is_(None),
            ended.exists(),
        )
        .values(exited_on=today, exit_reason=reason.scalar_subquery()),
    )


def reach_persons(session: Session, definition: ListDefinition, subject_id: int) -> int:
    """落实到人 for one organisation's entries (after a submission)."""
    return _reach(session, definition, select(literal(subject_id)))


def end_reached(session: Session, today: date, subject_id: int) -> int:
    """End the persons' entries of one organisation's ended entries (after a withdrawal)."""
    return _exit_reached(session, today, select(literal(subject_id)))


def recompute(
    session: Session,
    catalog: Catalog,
    lists: ListsFile,
    today: date,
    *,
    batch_id: int | None = None,
    record_id: int | None = None,
) -> RecomputeResult:
    """Bring the lists up to date: for one batch's records, one record (a rights case), or
    for all (the daily sweep)."""
    scope: ColumnElement[bool] = literal(True)
    if batch_id is not None:
        scope = Record.batch_id == batch_id
    elif record_id is not None:
        scope = Record.id == record_id
    # The subjects a batch is about: only their entries and relations can have changed.
    everything = batch_id is None and record_id is None
    touched = None if everything else select(Record.subject_id).where(scope)
    result = RecomputeResult()
    for definition in lists.lists:
        if definition.derived is not None:
            exited, entered = derive(session, catalog, definition, today, touched)
            result.exited[definition.code], result.entered[definition.code] = exited, entered
            continue
        datasets = Record.dataset_code.in_({r.dataset for r in definition.rules})
        result.exited[definition.code] = _exit(
            session, catalog, definition, today, and_(scope, datasets)
        )
        if definition.rules:
            result.entered[definition.code] = _enter(
                session, catalog, definition, today, and_(scope, datasets)
            )
    ended = _exit_reached(session, today, touched)
    if ended:
        result.exited["reached"] = ended
    for definition in lists.lists:
        result.reached[definition.code] = _reach(session, definition, touched)
    return result


def subject_entries(
    session: Session, catalog: Catalog, lists: ListsFile, subject_id: int
) -> list[ListEntryView]:
    """The subject's current list entries, newest first, with their basis."""
    parent = aliased(ListEntry)
    organisation = aliased(Subject)
    rows = session.execute(
        select(ListEntry, Record.dataset_code, organisation.name)
        .outerjoin(Record, Record.id == ListEntry.record_id)
        .outerjoin(parent, parent.id == ListEntry.via_entry_id)
        .outerjoin(organisation, organisation.id == parent.subject_id)
        .where(ListEntry.subject_id == subject_id, ListEntry.exited_on.is_(None))
        .order_by(ListEntry.entered_on.desc(), ListEntry.id.desc())
    ).all()
    definitions = {d.code: d for d in lists.lists}
    return [
        ListEntryView(
            list_code=entry.list_code,
            list_name=definitions[entry.list_code].name,
            kind=definitions[entry.list_code].kind.value,
            entered_on=entry.entered_on,
            planned_exit=entry.planned_exit,
            basis=catalog.datasets[code].name
            if code in catalog.datasets
            else lists.basis_of(entry.list_code),
            record_id=entry.record_id,
            reached_via=via,
        )
        for entry, code, via in rows
        if entry.list_code in definitions
    ]
