"""Published lists (名单公示): public lists' live entries whose basis the public may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from xinyong.archive.public import Publication
from xinyong.core.errors import NotFound
from xinyong.identity.masking import mask_code
from xinyong.identity.models import Subject
from xinyong.ingest.models import Record
from xinyong.lists.definitions import ListDefinition, ListsFile
from xinyong.lists.models import ExitReason, ListEntry
from xinyong.lists.schemas import PublicList, PublicListEntry, PublicListPage

PAGE_SIZE = 20


def _visible(rules: Publication, code: str) -> Select[ListEntry, Subject, str, str | None]:
    """Active entries of a list whose basis record passes the public rule."""
    named = aliased(Subject)
    organisation = aliased(Subject)
    parent = aliased(ListEntry)
    return (
        select(ListEntry, named, Record.dataset_code, organisation.name)
        .join(Record, Record.id == ListEntry.record_id)
        .join(Subject, Subject.id == Record.subject_id)
        .join(named, named.id == ListEntry.subject_id)
        .outerjoin(parent, parent.id == ListEntry.via_entry_id)
        .outerjoin(organisation, organisation.id == parent.subject_id)
        .where(ListEntry.list_code == code, ListEntry.exited_on.is_(None), rules.condition())
    )


def _summary(session: Session, rules: Publication, definition: ListDefinition) -> PublicList:
    counted = select(func.count()).select_from(
        _visible(rules, definition.code).with_only_columns(ListEntry.id).subquery()
    )
    return PublicList(
        code=definition.code,
        name=definition.name,
        kind=definition.kind.value,
        basis=definition.basis,
        count=session.scalar(counted) or 0,
    )


def public_list(lists: ListsFile, code: str) -> ListDefinition:
    """The public list with this code; an unknown or non-public one is a 404."""
    found = next((d for d in lists.lists if d.code == code.upper() and d.public), None)
    if found is None:
        raise NotFound("没有这个公开名单", code="list_not_found")
    return found


def published(session: Session, rules: Publication, lists: ListsFile) -> list[PublicList]:
    """Every public list with its count today."""
    return [_summary(session, rules, d) for d in lists.lists if d.public]


def entries(
    session: Session, rules: Publication, lists: ListsFile, code: str, page: int = 1
) -> PublicListPage:
    """One page of a public list, newest first; an unknown or non-public list is a 404."""
    definition = public_list(lists, code)
    rows = session.execute(
        _visible(rules, definition.code)
        .order_by(ListEntry.entered_on.desc(), ListEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    datasets = rules.catalog.datasets
    return PublicListPage(
        summary=_summary(session, rules, definition),
        items=[
            PublicListEntry(
                subject_name=subject.name,
                subject_kind=subject.kind.value,
                subject_code=mask_code(subject.code_type, subject.code),
                entered_on=entry.entered_on,
                planned_exit=entry.planned_exit,
                basis=datasets[dataset].name if dataset in datasets else dataset,
                record_id=entry.record_id,
                reached_via=via,
            )
            for entry, subject, dataset, via in rows
        ],
        page=page,
        size=PAGE_SIZE,
    )


FEED_SIZE = 100


def changes(
    session: Session, rules: Publication, lists: ListsFile, code: str
) -> tuple[ListDefinition, list[ListChange]]:
    """A public list's latest entries and exits, newest first (the Atom feed)."""
    definition = public_list(lists, code)
    named = aliased(Subject)
    last = func.coalesce(ListEntry.exited_on, ListEntry.entered_on)
    rows = session.execute(
        select(ListEntry, named)
        .join(Record, Record.id == ListEntry.record_id)
        .join(Subject, Subject.id == Record.subject_id)
        .join(named, named.id == ListEntry.subject_id)
        .where(ListEntry.list_code == definition.code, rules.condition(live_only=False))
        .order_by(last.desc(), ListEntry.id.desc())
        .limit(FEED_SIZE)
    ).all()
    found: list[ListChange] = []
    for entry, subject in rows:
        shown = (subject.name, mask_code(subject.code_type, subject.code))
        found.append(
            ListChange(entry.id, "entered", entry.entered_on, *shown, None, entry.record_id)
        )
        if entry.exited_on is not None and entry.exit_reason is not None:
            reason = ExitReason(entry.exit_reason).label
            found.append(
                ListChange(entry.id, "exited", entry.exited_on, *shown, reason, entry.record_id)
            )
    found.sort(key=lambda c: (c.day, c.entry_id, c.event == "exited"), reverse=True)
    return definition, found[:FEED_SIZE]


@dataclass(frozen=True)
class ListChange:
    """One event of a list: a subject entered it, or left it and why."""

    entry_id: int
    event: str  # "entered" or "exited"
    day: date
    subject_name: str
    subject_code: str
    reason: str | None
    record_id: int | None
