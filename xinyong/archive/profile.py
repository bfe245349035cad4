"""A subject's credit archive (信用档案): who may read it, and what it holds for them."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Select, and_, not_, or_, select
from sqlalchemy.orm import Session, aliased

from xinyong.accounts.models import Department
from xinyong.archive.models import PublicationHold
from xinyong.archive.presenting import Audience, present_fields, project
from xinyong.archive.schemas import (
    ArchiveRecord,
    ArchiveSection,
    RelationView,
    RevisionView,
    SubjectArchive,
)
from xinyong.archive.visibility import live
from xinyong.audit import service as audit
from xinyong.catalog.definitions import CATEGORY_LABELS, Category
from xinyong.catalog.loader import Catalog
from xinyong.core.errors import Forbidden, NotFound
from xinyong.core.security import Principal, Role
from xinyong.identity.codes import CodeType, clean
from xinyong.identity.masking import mask_code
from xinyong.identity.models import Subject, SubjectKind, SubjectRelation
from xinyong.identity.service import subject_ref as identity_ref
from xinyong.ingest.models import Record, RecordRevision, RecordStatus
from xinyong.lists.definitions import get_lists
from xinyong.lists.service import subject_entries

# Staff who may open any subject's archive (a department's checker uses checks instead).
ARCHIVE_STAFF = frozenset({Role.PLATFORM_ADMIN, Role.REVIEWER})
HISTORY_LIMIT = 500  # most recent first; an archive page is read, not exported


def audience_for(principal: Principal, subject_id: int) -> Audience:
    """How ``principal`` may read subject ``subject_id``'s archive, or Forbidden."""
    if principal.role in ARCHIVE_STAFF:
        return Audience.STAFF
    if principal.role is Role.CITIZEN:
        if principal.subject_id == subject_id:
            return Audience.SUBJECT
        # Not "forbidden": whether another subject exists is not a citizen's to learn.
        raise NotFound("信用主体不存在", code="subject_not_found")
    # A third party reads a report only with the subject's authorisation (rights issue).
    raise Forbidden("只能查看本人的信用档案", code="not_your_subject")


def get_subject(session: Session, subject_id: int) -> Subject:
    """The subject with this id, or NotFound."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("信用主体不存在", code="subject_not_found")
    return subject


def subject_ref(subject: Subject) -> str:
    """How the query log names a subject."""
    return identity_ref(subject.code_type, subject.code)


def _records(subject_id: int) -> Select[Record, str, bool]:
    held = select(PublicationHold.record_id).where(PublicationHold.record_id == Record.id)
    return (
        select(Record, Department.name, held.exists())
        .join(Department, Department.code == Record.department_code)
        .where(Record.subject_id == subject_id)
        .order_by(Record.decision_date.desc(), Record.id.desc())
    )


def _archive_record(
    catalog: Catalog,
    record: Record,
    subject: Subject,
    department: str,
    held: bool,
    audience: Audience,
) -> ArchiveRecord:
    shown = project(catalog, record, subject, department, audience)
    status = RecordStatus(record.status)
    return ArchiveRecord(
        **shown.model_dump(), status=status.value, status_label=status.label, held=held
    )


def live_sections(
    session: Session,
    catalog: Catalog,
    subject: Subject,
    today: date,
    audience: Audience,
    *,
    keep_empty: bool = False,
) -> list[ArchiveSection]:
    """The subject's live records grouped by catalog category, in report order."""
    by_category: dict[Category, list[ArchiveRecord]] = {c: [] for c in Category}
    rows = session.execute(_records(subject.id).where(live(today))).all()
    for record, department, held in rows:
        dataset = catalog.datasets.get(record.dataset_code)
        if dataset is None:  # retired from the catalog: nothing says how to read it
            continue
        by_category[dataset.category].append(
            _archive_record(catalog, record, subject, department, held, audience)
        )
    return [
        ArchiveSection(category=c.value, label=CATEGORY_LABELS[c], records=items)
        for c, items in by_category.items()
        if items or keep_empty
    ]


def relations(session: Session, subject: Subject, audience: Audience) -> list[RelationView]:
    """The subject's organisations (a person) or representatives (an organisation)."""
    other = aliased(Subject)
    mine = (
        SubjectRelation.organisation_id
        if subject.kind is SubjectKind.ORGANISATION
        else SubjectRelation.person_id
    )
    theirs = (
        SubjectRelation.person_id
        if subject.kind is SubjectKind.ORGANISATION
        else SubjectRelation.organisation_id
    )
    rows = session.execute(
        select(SubjectRelation, other)
        .join(other, other.id == theirs)
        .where(mine == subject.id)
        .order_by(SubjectRelation.valid_from.desc(), SubjectRelation.id)
    ).all()
    return [
        RelationView(
            role=relation.role.label,
            subject_id=person.id,
            name=person.name,
            code=person.code
            if audience is Audience.STAFF
            else mask_code(person.code_type, person.code),
            kind=person.kind.value,
            valid_from=relation.valid_from,
            valid_to=relation.valid_to,
        )
        for relation, person in rows
    ]


def history(
    session: Session, catalog: Catalog, subject: Subject, today: date
) -> list[ArchiveRecord]:
    """Records no longer in force or past their period, newest first (staff only)."""
    rows = session.execute(_records(subject.id).where(not_(live(today))).limit(HISTORY_LIMIT)).all()
    return [
        _archive_record(catalog, record, subject, department, held, Audience.STAFF)
        for record, department, held in rows
        if record.dataset_code in catalog.datasets
    ]


def revisions(session: Session, catalog: Catalog, subject: Subject) -> list[RevisionView]:
    """Superseded versions of the subject's records (staff only)."""
    rows = session.execute(
        select(RecordRevision, Record.dataset_code)
        .join(Record, Record.id == RecordRevision.record_id)
        .where(Record.subject_id == subject.id)
        .order_by(RecordRevision.record_id.desc(), RecordRevision.revision.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    views = []
    for revision, code in rows:
        dataset = catalog.datasets.get(code)
        if dataset is None:
            continue
        views.append(
            RevisionView(
                record_id=revision.record_id,
                revision=revision.revision,
                status=RecordStatus(revision.status).label,
                dataset_name=dataset.name,
                received_at=revision.received_at.isoformat(timespec="seconds"),
                superseded_by_batch=revision.superseded_by_batch,
                fields=present_fields(catalog, dataset, json.loads(revision.data), Audience.STAFF),
            )
        )
    return views


def read_archive(
    session: Session,
    principal: Principal,
    catalog: Catalog,
    subject_id: int,
    today: date,
    *,
    purpose: str,
    ip: str | None = None,
) -> SubjectArchive:
    """The archive as ``principal`` may read it; the read goes into the query log."""
    audience = audience_for(principal, subject_id)
    subject = get_subject(session, subject_id)
    staff = audience is Audience.STAFF
    archive = SubjectArchive(
        subject_id=subject.id,
        name=subject.name,
        kind=subject.kind.value,
        code_type=subject.code_type.value,
        code=subject.code if staff else mask_code(subject.code_type, subject.code),
        as_of=today,
        sections=live_sections(session, catalog, subject, today, audience),
        relations=relations(session, subject, audience),
        lists=subject_entries(session, catalog, get_lists(catalog), subject.id),
        history=history(session, catalog, subject, today) if staff else None,
        revisions=revisions(session, catalog, subject) if staff else None,
    )
    audit.record_read(
        session,
        principal,
        subject_ref(subject),
        purpose=purpose,
        target_type="archive",
        target_id=subject.id,
        ip=ip,
    )
    return archive


def find_subjects(session: Session, words: str, limit: int = 50) -> list[Subject]:
    """Subjects whose code is ``words`` or whose name starts with it (staff lookup)."""
    code = clean(words)
    statement = (
        select(Subject)
        .where(
            or_(
                and_(Subject.code_type.in_(list(CodeType)), Subject.code == code),  # by index
                Subject.name.startswith(words.strip(), autoescape=True),
            )
        )
        .order_by(Subject.name, Subject.id)
        .limit(limit)
    )
    return list(session.scalars(statement))
