"""The portal on a city of millions of records (bench/city.py): 双公示 search latency and
credit report time through the real app over HTTP, beside the very SQL the app ran for
each request, executed bare on a DBAPI connection; and the search index's build rate.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from bench.city import ACTOR, RECORDS, City, drop_postgres, postgres_city, sqlite_city
from bench.common import Result, percentile
from tests.factories import login
from xinyong.accounts import service as accounts
from xinyong.accounts.models import User
from xinyong.accounts.schemas import UserCreate
from xinyong.app import create_app
from xinyong.archive.visibility import live
from xinyong.catalog.definitions import FieldRole
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database, create_db_engine
from xinyong.core.security import Role
from xinyong.core.settings import Settings
from xinyong.identity.models import Subject, SubjectKind
from xinyong.ingest.models import Record

SEARCH = "/api/v1/public/records"
SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
REVIEWER = "bench-reviewer"
PASSWORD = "bench reviewer password"
SAMPLES = 12  # queries of each kind
ROUNDS = 2  # each query is asked this many times (after one warm-up)
REPORT_RUNS = 20
# Frequent pairs in company names (行业), as people type them to browse.
COMMON = ("贸易", "科技", "餐饮", "建材", "食品", "物流", "服装", "广告")
Statements = list[tuple[str, Any]]


@dataclass(frozen=True)
class Query:
    """One search as the portal receives it."""

    kind: str
    params: dict[str, str]


@dataclass
class Recorder:
    """The statements an engine sends while recording, as the DBAPI receives them."""

    engine: Engine
    statements: Statements = field(default_factory=list)
    on: bool = False

    def __post_init__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if self.on:
            self.statements.append((statement, params))

    @contextmanager
    def recording(self) -> Iterator[Statements]:
        """Record what runs inside the block."""
        self.statements, self.on = [], True
        try:
            yield self.statements
        finally:
            self.on = False


def _ms(work: Callable[[], object]) -> float:
    """How long ``work()`` takes, in milliseconds."""
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


@contextmanager
def bare_sql(engine: Engine) -> Iterator[Callable[[Statements], None]]:
    """Run statements on one raw DBAPI connection, fetching every row, as nothing could
    run them faster: no ORM, no result processing, no HTTP."""
    raw = engine.raw_connection()

    def run(statements: Statements) -> None:
        cursor = raw.cursor()
        for statement, params in statements:
            cursor.execute(statement, params)
            if cursor.description is not None:  # not BEGIN, not SET
                cursor.fetchall()
        cursor.close()
        raw.rollback()

    try:
        yield run
    finally:
        raw.close()


def _samples(session: Session, count: int) -> list[Any]:
    """``count`` records spread evenly over the city's history, with their subjects."""
    top = session.scalar(select(func.max(Record.id))) or 0
    ids = [top * (2 * i + 1) // (2 * count) for i in range(count)]
    statement = select(Record, Subject).join(Subject, Subject.id == Record.subject_id)
    return list(session.execute(statement.where(Record.id.in_(ids)).order_by(Record.id)))


def _document_fragment(record: Record) -> str:
    """A document number as people type part of it: 示市监罚〔2024〕1234号 -> 市监罚〔2024〕1234."""
    item = get_catalog().datasets[record.dataset_code].field_by_role(FieldRole.DOCUMENT_NUMBER)
    assert item is not None
    number: str = json.loads(record.data)[item.code]
    return number[1:].removesuffix("号")


def queries(session: Session) -> list[Query]:
    """The mix: per kind SAMPLES queries taken from the city (the same on every engine)."""
    rows = _samples(session, SAMPLES * 6)
    orgs = [(r, s) for r, s in rows if s.kind is SubjectKind.ORGANISATION][:SAMPLES]
    persons = [s for _, s in rows if s.kind is SubjectKind.PERSON][:SAMPLES]
    mix = [Query("common word", {"q": COMMON[i % len(COMMON)]}) for i in range(SAMPLES)]
    mix += [Query("company name", {"q": s.name}) for _, s in orgs]
    mix += [Query("person name", {"q": s.name}) for s in persons]
    mix += [Query("USCC", {"q": s.code}) for _, s in orgs]
    mix += [Query("document number", {"q": _document_fragment(r)}) for r, _ in orgs]
    for i, (record, _) in enumerate(orgs):
        day = record.decision_date or date.today()
        filters = {
            "department": record.department_code,
            "date_from": (day - timedelta(days=90)).isoformat(),
            "date_to": day.isoformat(),
        }
        words = {"q": COMMON[i % len(COMMON)]} if i % 2 else {}
        mix.append(Query("department + dates", {**filters, **words}))
    mix += [Query("empty (newest first)", {}) for _ in range(SAMPLES)]
    return mix


def _search_times(
    client: TestClient, recorder: Recorder, mix: list[Query]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per kind, the app's times over HTTP and the bare times of the SQL it ran (ms)."""
    app: dict[str, list[float]] = {q.kind: [] for q in mix}
    bare: dict[str, list[float]] = {q.kind: [] for q in mix}
    sql = []
    for query in mix:  # warm-up, recording the SQL each query runs
        with recorder.recording() as statements:
            assert client.get(SEARCH, params=query.params).status_code == 200
        sql.append(list(statements))
    with bare_sql(recorder.engine) as run:
        for _ in range(ROUNDS):
            for query, statements in zip(mix, sql, strict=True):
                app[query.kind].append(_ms(partial(client.get, SEARCH, params=query.params)))
                bare[query.kind].append(_ms(partial(run, statements)))
    return app, bare


def _search_results(
    label: str, mix: list[Query], client: TestClient, rec: Recorder
) -> list[Result]:
    """p50 and p95 of the whole mix, and p95 per kind of query."""
    app, bare = _search_times(client, rec, mix)
    everything = [t for times in app.values() for t in times]
    everything_bare = [t for times in bare.values() for t in times]
    base = "the same SQL on the DBAPI connection"
    results = [
        Result(
            f"portal search p{round(share * 100)}, {label} "
            f"({len(everything)} requests, {len(app)} kinds)",
            "ms",
            percentile(everything, share),
            base,
            percentile(everything_bare, share),
            lower_is_better=True,
        )
        for share in (0.5, 0.95)
    ]
    results += [
        Result(
            f"  p95 {kind}, {label}",
            "ms",
            percentile(app[kind], 0.95),
            base,
            percentile(bare[kind], 0.95),
            lower_is_better=True,
        )
        for kind in app
    ]
    return results


def _reviewer(database: Database) -> User:
    """The benchmark's reviewer account (made on first use)."""
    with database.writing() as session:
        user = session.scalar(select(User).where(User.username == REVIEWER))
        return user or accounts.create_user(
            session,
            ACTOR,
            UserCreate(
                username=REVIEWER,
                display_name="基准审核员",
                password=PASSWORD,
                role=Role.REVIEWER,
                department_code="XYZX",
            ),
        )


def report_subject(session: Session, mix_rows: list[Any], today: date) -> int:
    """An organisation with a realistic file: 8 to 20 live records."""
    for _, subject in mix_rows:
        live_records = session.scalar(
            select(func.count()).where(Record.subject_id == subject.id, live(today))
        )
        if subject.kind is SubjectKind.ORGANISATION and 8 <= (live_records or 0) <= 20:
            return int(subject.id)
    raise LookupError("no organisation with 8 to 20 live records among the samples")


def _report_results(
    label: str, client: TestClient, recorder: Recorder, database: Database
) -> list[Result]:
    """p50 of issuing a report as HTML and as PDF, against fetching its live records."""
    today = date.today()
    with database.reading() as session:
        subject = report_subject(session, _samples(session, SAMPLES * 10), today)
        with recorder.recording() as statements:
            count = len(
                session.execute(
                    select(Record).where(Record.subject_id == subject, live(today))
                ).all()
            )
    with bare_sql(recorder.engine) as run:
        bare = [_ms(partial(run, statements)) for _ in range(REPORT_RUNS)]
    login(client, _reviewer(database), PASSWORD)
    results = []
    for fmt in ("html", "pdf"):
        url = f"/reports/{subject}?fmt={fmt}"
        assert client.get(url).status_code == 200
        times = [_ms(partial(client.get, url)) for _ in range(REPORT_RUNS)]
        results.append(
            Result(
                f"credit report ({fmt.upper()}, {count} live records) p50, {label}",
                "ms",
                percentile(times, 0.5),
                "bare SQL of the subject's live records",
                percentile(bare, 0.5),
                lower_is_better=True,
            )
        )
    return results


def _index_result(city: City) -> Result:
    """The search index's build rate, measured when the city was built."""
    f = city.figures
    return Result(
        f"search index build, {f['indexed']:,} records, {city.label} (at build, {f['built']})",
        "records/s",
        f["indexed"] / f["index_seconds"],
        "in-database copy of the same terms into an identical index",
        f["indexed"] / f["bare_index_seconds"],
    )


def _measure(city: City) -> list[Result]:
    """Every portal figure on one engine."""
    engine = create_db_engine(city.url)
    database = Database.from_engine(engine)
    recorder = Recorder(engine)
    app = create_app(Settings(secret_key=SECRET, demo=False, sweep_hours=0), database=database)
    with database.reading() as session:
        mix = queries(session)
    with TestClient(app, base_url="http://testserver") as client:
        results = _search_results(city.label, mix, client, recorder)
        results += _report_results(city.label, client, recorder, database)
    engine.dispose()
    return [*results, _index_result(city)]


def run() -> list[Result]:
    """Search and report latency on SQLite and (when available) PostgreSQL."""
    sqlite = sqlite_city(RECORDS)
    results = _measure(sqlite)
    postgres = postgres_city(sqlite)
    if postgres is not None:
        try:
            results += _measure(postgres)
        finally:
            drop_postgres(postgres)
    return results
