"""What the public may see (公示): one condition and one projection behind every public page
and public JSON response — live, in a public dataset, never a minor, masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    column,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.archive.models import PublicationHold
from xinyong.archive.presenting import project
from xinyong.archive.schemas import PublicPage, PublicRecord, PublicSubject
from xinyong.archive.search import (
    department_key,
    match_expression,
    matching_ids,
    public_datasets,
    query_terms,
    scope_terms,
    split_terms,
)
from xinyong.archive.visibility import live, within_period
from xinyong.catalog.definitions import Polarity
from xinyong.catalog.loader import Catalog
from xinyong.core.errors import NotFound
from xinyong.core.sql import add_years
from xinyong.identity.codes import CodeType, clean
from xinyong.identity.models import Subject, SubjectKind
from xinyong.ingest.models import Batch, Record

ADULT_YEARS = 18
# Totals are counted up to here ("1,000+", fifty pages): past it an exact count is of no use
# to someone reading twenty at a time, and it costs a scan of every match (a department's
# quarter took 90-200 ms to count to 10,000 on the five-million-record city).
MAX_COUNT = 1_000
MAX_SCOPE_YEARS = 30  # a longer period is searched by the department's key alone
PAGE_SIZE = 20
Visible = Select[Record, Subject, str]


@dataclass(frozen=True)
class Publication:
    """The rules of publication in force (settings and catalog)."""

    catalog: Catalog
    publish_person_penalties: bool
    today: date
    review_first: bool = False  # publish only what a confidentiality review has passed

    @property
    def public_datasets(self) -> list[str]:
        """Datasets whose records are public (公开)."""
        return public_datasets(self.catalog)

    def condition(self, *, live_only: bool = True) -> ColumnElement[bool]:
        """May a record (joined to its subject) be shown to the public today; with
        ``live_only`` false, may the public be told of it at all (a list exit, say)."""
        adult = or_(
            Subject.kind == SubjectKind.ORGANISATION,
            Subject.birth_date.is_(None),
            add_years(Subject.birth_date, ADULT_YEARS)
            <= func.coalesce(Record.decision_date, literal_column("CURRENT_DATE")),
        )  # a minor's records, and an adult's offences as a minor, are never published
        held = select(PublicationHold.record_id).where(PublicationHold.record_id == Record.id)
        rules = [
            Record.dataset_code.in_(self.public_datasets),
            adult,
            ~held.exists(),  # 保密审查: held back by a reviewer
        ]
        if live_only:
            rules.append(live(self.today, indexed=False))
        if self.review_first:
            reviewed = select(Batch.id).where(
                Batch.id == Record.batch_id, Batch.reviewed_at.is_not(None)
            )
            rules.append(reviewed.exists())
        if not self.publish_person_penalties:
            negative = [
                c for c, d in self.catalog.datasets.items() if d.polarity is Polarity.NEGATIVE
            ]
            rules.append(
                not_(and_(Subject.kind == SubjectKind.PERSON, Record.dataset_code.in_(negative)))
            )
        return and_(*rules)


@dataclass(frozen=True)
class PublicQuery:
    """A 双公示 search: words or a code, filters, a page."""

    q: str | None = None
    dataset: str | None = None
    department: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    size: int = PAGE_SIZE


def _base(rules: Publication, *, opaque: bool = False) -> Visible:
    """Records the public may see, with their subject and department name. An ``opaque``
    condition is one term the planner cannot take apart (see ``search``), its period tested
    once more beside it."""
    condition = rules.condition()
    # The department is looked up per record by its key; the records' department index must
    # not drive the join (with it, SQLite read each department's records and sorted all
    # five million for the newest twenty: 30 s for the empty query).
    department = func.coalesce(Record.department_code, Record.department_code)
    statement = (
        select(Record, Subject, Department.name)
        .join(Subject, Subject.id == Record.subject_id)
        .join(Department, Department.code == department)
    )
    if not opaque:
        return statement.where(condition)
    # The period once more, on its own: SQLite then tests it on the record (or on the
    # department index's entry) before it joins the subject; in a department's older dates
    # most records are past their period (a quarter of 1,887 with 31 live: 120 -> 3 ms).
    return statement.where(
        func.coalesce(condition, false()), within_period(rules.today, indexed=False)
    )


def _filters(query: PublicQuery, *, indexed: bool) -> list[ColumnElement[bool]]:
    """The dataset, department and date conditions. Not ``indexed``, the department and
    dates are wrapped so that no planner drives the search from their index: with words,
    the full-text matches must drive (newest first, stopping at the page); driven from the
    department's dates, a common word's search read the whole range first."""
    department: ColumnElement[str] = Record.department_code.expression
    decided: ColumnElement[date | None] = Record.decision_date.expression
    if not indexed:
        department = func.coalesce(department, department)
        decided = func.coalesce(decided, decided)
    conditions: list[ColumnElement[bool]] = []
    if query.dataset:
        conditions.append(Record.dataset_code == query.dataset.upper())
    if query.department:
        conditions.append(department == query.department.upper())
    if query.date_from:
        conditions.append(decided >= query.date_from)
    if query.date_to:
        conditions.append(decided <= query.date_to)
    return conditions


def _filtered(
    statement: Visible, query: PublicQuery, session: Session, today: date
) -> Visible | None:
    """The query's filters and words applied; None when the words can match nothing.

    Without words, a department's records come from their index newest decision first (a
    department's quarter is thousands of rows: read in index order, the page is its first
    twenty and the count stops at the cap, where sorting them by id read them all). With
    words, the full-text matches drive, newest first; within a department they are the
    matches that also carry the department's scope key, or one of the keys covering its
    dates (archive.search), so the engine intersects the two inside its index."""
    words = (query.q or "").strip()
    statement = statement.where(*_filters(query, indexed=not words))
    if not words:
        newest_decided = (Record.decision_date.desc(), Record.id.desc())
        return statement.order_by(*newest_decided if query.department else (Record.id.desc(),))
    code = clean(words)
    if len(code) == 18 and code.isalnum():  # a USCC: the subject's records, by index
        return statement.where(Subject.code == code, Subject.code_type == CodeType.USCC).order_by(
            Record.id.desc()
        )
    dialect = session.get_bind().dialect.name
    terms = query_terms(words)
    scope = _scope(query, today)
    if not terms or scope == []:
        return None
    driving, checked = split_terms(session, terms)
    found = (
        matching_ids(dialect, checked)
        .bindparams(match=match_expression(dialect, driving, scope))
        .columns(column("record_id", BigInteger))
        .subquery("found")
    )  # joined, not IN: SQLite then reads the matches newest first and stops at the page
    return statement.join(found, found.c.record_id == Record.id).order_by(found.c.record_id.desc())


def _scope(query: PublicQuery, today: date) -> list[str] | None:
    """The scope keys of the query's department and dates (an open end: today); None
    without a department; empty when the dates cover no day."""
    if not query.department:
        return None
    first, last = query.date_from, query.date_to or today
    if first is None or last.year - first.year > MAX_SCOPE_YEARS:
        # no first day, or decades of them: the department's key, the dates filtered
        return [department_key(query.department)]
    return scope_terms(query.department, first, last)


def _capped_count(statement: Visible, unordered: bool) -> Select[int]:
    """How many rows ``statement`` yields, counted up to one past ``MAX_COUNT``; in its
    order unless ``unordered``.

    The order makes the planner read the matches the way the page does: newest first,
    stopping at the cap. Except on PostgreSQL for a department's records (no words): told to count
    the first thousand of a quarter in order, it sorted every match (87,807 rows, 380 ms),
    where any thousand will do (10 ms)."""
    counted = statement.with_only_columns(Record.id)
    if unordered:
        counted = counted.order_by(None)
    return select(func.count()).select_from(counted.limit(MAX_COUNT + 1).subquery())


def search(session: Session, rules: Publication, query: PublicQuery) -> PublicPage:
    """One page of public records matching ``query``, newest first, with a capped total.

    Both the page and the count read newest first and stop early (at the page, at the
    cap). On SQLite the publication rule is one opaque term: taken apart, the planner
    drives the search from the status index and sorts every live record first. On
    PostgreSQL each search is planned for its own words: psycopg prepares a statement run
    five times, and a generic plan, blind to how common the words are, walks every record
    for a rare name. Nor does a search start parallel workers: they only fetch the first
    thousand matches sooner when the machine is otherwise idle, and starting them doubled a
    common word's count (55 → 23 ms for 贸易 on the five-million-record city); nor is it
    compiled (JIT): a plan costed past the threshold spent 19 ms compiling to run in 1.
    A department's records are read from its index in order, never as a bitmap: a bitmap
    cannot stop at the cap, and PostgreSQL ANDed the status index's two million records
    in force into it (a quarter's capped count: 110 → 11 ms)."""
    dialect = session.get_bind().dialect.name
    by_department = bool(query.department) and not (query.q or "").strip()
    if dialect == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        session.execute(text("SET LOCAL jit = off"))
        if by_department:
            session.execute(text("SET LOCAL enable_bitmapscan = off"))
    statement = _filtered(_base(rules, opaque=dialect == "sqlite"), query, session, rules.today)
    if statement is None:
        return PublicPage(items=[], total=0, total_capped=False, page=query.page, size=query.size)
    offset = (query.page - 1) * query.size
    rows = session.execute(statement.limit(query.size).offset(offset)).all()
    if 0 < len(rows) < query.size or (offset == 0 and not rows):
        counted = offset + len(rows)  # the last page: the total is known without counting
    else:
        unordered = dialect == "postgresql" and by_department
        counted = session.scalar(_capped_count(statement, unordered)) or 0
    return PublicPage(
        items=[
            project(rules.catalog, record, subject, department)
            for record, subject, department in rows
        ],
        total=min(counted, MAX_COUNT),
        total_capped=counted > MAX_COUNT,
        page=query.page,
        size=query.size,
    )


def public_record(session: Session, rules: Publication, record_id: int) -> PublicRecord:
    """One public record, or not found (also when it exists but may not be shown)."""
    row = session.execute(_base(rules).where(Record.id == record_id)).first()
    if row is None:
        raise NotFound("该记录不存在或不在公示范围内")
    return project(rules.catalog, *row)


def public_subject(session: Session, rules: Publication, uscc: str) -> PublicSubject:
    """An organisation's public page: its name, code and public records."""
    code = clean(uscc)
    subject = session.scalar(
        select(Subject).where(
            Subject.code_type == CodeType.USCC,
            Subject.code == code,
            Subject.kind == SubjectKind.ORGANISATION,
        )
    )
    if subject is None:
        raise NotFound("未找到该统一社会信用代码对应的组织")
    rows = session.execute(
        _base(rules).where(Record.subject_id == subject.id).order_by(Record.decision_date.desc())
    ).all()
    return PublicSubject(
        name=subject.name,
        code=subject.code,
        records=[project(rules.catalog, record, s, department) for record, s, department in rows],
    )
