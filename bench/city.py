"""A city of public records for the portal benchmark, built once per scale and cached.

Built set-based, not through the pipeline (at ~20k rows/s five million rows take minutes):
each batch's rows are made as a department's file carries them and pass through the real
validator, so ``data``, clocks and business keys are exactly what the pipeline stores;
they are then bulk-inserted with their subjects and legal representatives. Batches follow
time (batch n holds the decisions of its stretch of five years, and some late ones). The
real sweep marks expired records and the real indexer indexes the city, timed beside an
in-database copy of the same terms. PostgreSQL gets a copy of the cached SQLite city.
"""

from __future__ import annotations

import json
import math
import os
import random
import secrets
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from bench.common import fresh_engine, postgres_url, remove_sqlite_files
from bench.names import organisations, people
from xinyong.accounts.service import PACKAGED_DEPARTMENTS, load_departments, read_departments_file
from xinyong.archive.search import SEARCH_TABLE, compact, pending_batches, refresh_index
from xinyong.archive.service import sweep
from xinyong.catalog.definitions import FieldRole
from xinyong.catalog.loader import Catalog, get_catalog
from xinyong.catalog.service import migrate_and_sync
from xinyong.core.db import Database, create_db_engine, refresh_statistics, utcnow
from xinyong.core.meta import get_meta, set_meta
from xinyong.core.security import Principal, Role
from xinyong.demo.city import ENFORCEMENT, PHRASES
from xinyong.identity.models import Subject, SubjectRelation
from xinyong.ingest.columns import map_columns
from xinyong.ingest.models import Batch, BatchStatus, Channel, Record, RecordStatus
from xinyong.ingest.readers import LINE
from xinyong.ingest.store import RECORD_COLUMNS, bulk_insert, dbapi_rows
from xinyong.ingest.validate import ChunkValidator

OUT = Path(__file__).parent / "out"
RECORDS = int(os.environ.get("XINYONG_BENCH_PORTAL_RECORDS", "5000000"))
# Keep the PostgreSQL copy after the run and reuse it while it matches the SQLite city.
KEEP_POSTGRES = os.environ.get("XINYONG_BENCH_PORTAL_KEEP_PG") == "1"
BATCH_ROWS = 50_000
RECORDS_PER_SUBJECT = 5
PERSON_SHARE = 0.4  # of subjects
SPAN_DAYS = 5 * 365
LATE_SHARE = 0.15  # rows sent in a later batch than their decision's time
SKEWED_SHARE = 0.2  # rows about the few subjects with many records
SEED = 2026
META_KEY = "bench_portal_city"
ACTOR = Principal(kind="cli", id=None, name="bench", role=Role.PLATFORM_ADMIN)
# How each department's documents are numbered: 示市监罚〔2025〕123号.
ABBREVIATIONS = {
    "SCJG": "示市监", "STHJ": "示环", "YJJ": "示应急", "XFZD": "示消", "ZJJ": "示建",
    "WJW": "示卫", "JTJ": "示交", "CGJ": "示城管", "GTJ": "示规资", "NYJ": "示农",
    "SLJ": "示水", "WGLJ": "示文旅", "SWUJ": "示商", "YBJ": "示医保", "GAJ": "示公",
    "RSJ": "示人社",
}  # fmt: skip
DEPARTMENT_WEIGHTS = {"SCJG": 6, "GAJ": 3, "ZJJ": 2, "WJW": 2, "CGJ": 2}  # others weigh 1
# Dataset -> (the word in its document numbers, organisations' share of its rows).
DATASETS = {"XZCF": ("罚", 0.75), "XZXK": ("许", 0.85)}
COPIED = (Subject, Batch, Record, SubjectRelation)  # to PostgreSQL, in this order
SUBJECT_COLUMNS = (
    "id",
    "code_type",
    "code",
    "name",
    "kind",
    "birth_date",
    "created_at",
    "updated_at",
)
T = TypeVar("T")


@dataclass(frozen=True)
class City:
    """A built city: where it is and what its build measured."""

    label: str
    url: str
    figures: dict[str, Any]


@dataclass
class Population:
    """The city's people and organisations; subject ids are persons first, then companies."""

    persons: pl.DataFrame
    organisations: pl.DataFrame

    @classmethod
    def make(cls, rng: random.Random, subjects: int) -> Population:
        """``subjects`` people and organisations."""
        persons = people(rng, int(subjects * PERSON_SHARE))
        return cls(persons, organisations(rng, subjects - persons.height, persons))

    def subject_rows(self) -> Iterator[tuple[Any, ...]]:
        """Rows for ``subjects`` (SUBJECT_COLUMNS), as the pipeline writes them."""
        stamp = str(utcnow())
        for i, (name, ric, born) in enumerate(self.persons.iter_rows(), start=1):
            yield (i, "ric", ric, name, "person", born.isoformat(), stamp, stamp)
        offset = self.persons.height + 1
        for i, (name, uscc) in enumerate(self.organisations.select("name", "uscc").iter_rows()):
            yield (offset + i, "uscc", uscc, name, "organisation", None, stamp, stamp)

    def codes(self) -> pl.DataFrame:
        """Subject id by (code type, code)."""
        return pl.concat(
            [
                self.persons.select(pl.lit("ric").alias("code_type"), pl.col("ric").alias("code")),
                self.organisations.select(
                    pl.lit("uscc").alias("code_type"), pl.col("uscc").alias("code")
                ),
            ]
        ).with_row_index("subject_id", offset=1)


def _skewed(rng: random.Random, count: int, size: int) -> pl.Series:
    """Indexes into ``size`` subjects: most rows spread evenly, some on a few subjects."""
    picks = [
        int(size * (rng.random() if rng.random() >= SKEWED_SHARE else rng.random() ** 1.5))
        for _ in range(count)
    ]
    return pl.Series(picks, dtype=pl.Int64)


def _subjects_part(
    rng: random.Random, city: Population, rows: int, org_share: float
) -> pl.DataFrame:
    """Who each row is about, in the columns a department's file names them (and ``_org``,
    the organisation's index, for relating it to its representative)."""
    orgs = sum(rng.random() < org_share for _ in range(rows))
    picked = _skewed(rng, orgs, city.organisations.height)
    firms = city.organisations.select(pl.all().gather(picked)).with_columns(_org=picked)
    folk = city.persons.select(pl.all().gather(_skewed(rng, rows - orgs, city.persons.height)))
    return pl.concat(
        [
            firms.select(
                pl.col("name").alias("行政相对人名称"),
                pl.lit("法人及非法人组织").alias("行政相对人类别"),
                pl.col("uscc").alias("统一社会信用代码"),
                pl.col("rep_name").alias("法定代表人"),
                pl.col("rep_ric").alias("法定代表人证件号码"),
                "_org",
            ),
            folk.select(
                pl.col("name").alias("行政相对人名称"),
                pl.lit("自然人").alias("行政相对人类别"),
                pl.lit("身份证").alias("证件类型"),
                pl.col("ric").alias("证件号码"),
            ),
        ],
        how="diagonal",
    )


def _decided(rng: random.Random, rows: int, batch: int, batches: int, today: date) -> pl.Series:
    """Decision dates: the batch's stretch of the last five years, and some late rows."""
    low, high = batch * SPAN_DAYS // batches, max((batch + 1) * SPAN_DAYS // batches, 1)
    start = today - timedelta(days=SPAN_DAYS)
    days = [
        rng.randrange(low, high) - (rng.randrange(365) if rng.random() < LATE_SHARE else 0)
        for _ in range(rows)
    ]
    return pl.Series("decided", [start + timedelta(days=d) for d in days], dtype=pl.Date)


@lru_cache(maxsize=1)
def departments() -> dict[str, tuple[str, str]]:
    """Department name and USCC by code, from the packaged departments file."""
    parsed = read_departments_file(PACKAGED_DEPARTMENTS)
    return {d.code: (d.name, d.uscc) for d in parsed.departments}


def _pick(rng: random.Random, options: list[str] | tuple[str, ...], rows: int) -> pl.Series:
    return pl.Series(rng.choices(options, k=rows), dtype=pl.String)


def _dataset_part(
    rng: random.Random, code: str, catalog: Catalog, rows: int, days: pl.Expr
) -> dict[str, pl.Expr | pl.Series]:
    """The dataset's own columns (document number and authority come after)."""
    if code == "XZCF":
        fine = [f"{rng.uniform(0.1, 50):.2f}" for _ in range(rows)]
        deadline = [rng.random() < 0.3 for _ in range(rows)]
        serious = [rng.random() < 0.08 for _ in range(rows)]
        return {
            "违法行为类型": _pick(rng, PHRASES["CF_WFXW"], rows),
            "违法事实": _pick(rng, PHRASES["CF_SY"], rows),
            "处罚依据": _pick(rng, PHRASES["CF_YJ"], rows),
            "处罚类别": _pick(rng, PHRASES["CF_CFLB"], rows),
            "处罚内容": _pick(rng, PHRASES["CF_NR"], rows),
            "罚款金额（万元）": pl.Series(fine),
            "处罚有效期": days.dt.offset_by("180d").cast(pl.String),
            "公示截止期": pl.when(pl.Series(deadline)).then(
                days.dt.offset_by("1y").cast(pl.String)
            ),
            "违法行为严重程度": pl.when(pl.Series(serious)).then(pl.lit("严重")),
        }
    kinds = [v.name for v in catalog.code_tables["licence_type"].values]
    years = pl.Series([f"{rng.randint(1, 5)}y" for _ in range(rows)])
    return {
        "行政许可决定文书名称": _pick(rng, PHRASES["XK_XKWS"], rows),
        "许可类别": _pick(rng, kinds, rows),
        "许可内容": _pick(rng, PHRASES["XK_NR"], rows),
        "有效期自": days.cast(pl.String),
        "有效期至": days.dt.offset_by(pl.lit(years)).cast(pl.String),
        "当前状态": pl.lit("有效"),
    }


@dataclass
class Builder:
    """Makes and stores the city's batches, one after another."""

    database: Database
    catalog: Catalog
    city: Population
    batches: int
    today: date
    rng: random.Random
    serials: dict[tuple[str, str, int], int] = field(default_factory=dict)
    seen_orgs: set[int] = field(default_factory=set)

    def batch_file(self, number: int, code: str, department: str) -> pl.DataFrame:
        """Batch ``number``'s rows as its department's file would carry them, oldest first."""
        word, org_share = DATASETS[code]
        names = {f.role: f.name for f in self.catalog.datasets[code].fields if f.role}
        authority, authority_uscc = departments()[department]
        frame = _subjects_part(self.rng, self.city, BATCH_ROWS, org_share)
        frame = frame.with_columns(
            _decided(self.rng, frame.height, number, self.batches, self.today)
        )
        frame = frame.sample(fraction=1.0, shuffle=True, seed=number).sort("decided")
        frame = frame.with_columns(year=pl.col("decided").dt.year())
        frame = frame.with_columns(serial=self._serials(frame, code, department))
        days = pl.col("decided")
        prefix = ABBREVIATIONS[department] + word
        return (
            frame.with_columns(
                pl.format(f"{prefix}〔{{}}〕{{}}号", "year", "serial").alias(
                    names[FieldRole.DOCUMENT_NUMBER]
                ),
                days.cast(pl.String).alias(names[FieldRole.DECISION_DATE]),
                pl.lit(authority).alias(names[FieldRole.AUTHORITY_NAME]),
                pl.lit(authority_uscc).alias(names[FieldRole.AUTHORITY_USCC]),
                pl.lit(authority).alias(names[FieldRole.SOURCE_NAME]),
                pl.lit(authority_uscc).alias(names[FieldRole.SOURCE_USCC]),
                **_dataset_part(self.rng, code, self.catalog, frame.height, days),
            )
            .drop("decided", "year", "serial")
            .with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE))
        )

    def _serials(self, frame: pl.DataFrame, code: str, department: str) -> pl.Series:
        """Document serials per department, dataset and year, continuing earlier batches."""
        start = {y: self.serials.get((department, code, y), 0) for y in frame["year"].unique()}
        serial = frame.select(
            (
                pl.col("year").replace_strict(start, return_dtype=pl.Int64)
                + pl.int_range(1, pl.len() + 1).over("year")
            ).alias("serial")
        ).to_series()
        last = frame.with_columns(serial).group_by("year").agg(pl.col("serial").max())
        for year, highest in last.iter_rows():
            self.serials[(department, code, year)] = highest
        return serial

    def store(self, number: int, code: str, department: str, ids: pl.DataFrame) -> None:
        """Validate batch ``number`` with the real validator and store it."""
        dataset = self.catalog.datasets[code]
        sent = self.batch_file(number, code, department)
        orgs = sent.get_column("_org")
        sent = sent.drop("_org")
        columns = map_columns([c for c in sent.columns if c != LINE], dataset)
        validator = ChunkValidator(
            dataset, self.catalog.code_tables, self.catalog.policies, columns, self.today
        )
        checked = validator.check(sent)
        assert checked.rejected.is_empty(), checked.rejected.head(3)
        rows = checked.accepted.join(ids, on=["code_type", "code"], how="left")
        with self.database.writing() as session:
            batch = _batch(code, dataset.version, department, number, rows.height)
            batch.source_columns = json.dumps(columns.kept, ensure_ascii=False)
            session.add(batch)
            session.flush()
            connection = session.connection()
            constant = {
                "dataset_code": code,
                "dataset_version": dataset.version,
                "status": RecordStatus.ACTIVE.value,
                "revision": 1,
                "department_code": department,
                "batch_id": batch.id,
                "received_at": batch.received_at.strftime("%Y-%m-%d %H:%M:%S.%f"),
            }
            values = rows.rename({LINE: "line"}).select(
                pl.lit(constant[c]).alias(c) if c in constant else pl.col(c) for c in RECORD_COLUMNS
            )
            bulk_insert(connection, "records", RECORD_COLUMNS, dbapi_rows(connection, values))
            self._relate(connection, orgs, batch.id, str(batch.received_at))

    def _relate(self, connection: Connection, orgs: pl.Series, batch: int, stamp: str) -> None:
        """Relate the organisations this batch is the first to name to their legal
        representatives, as the pipeline does."""
        fresh = sorted(set(orgs.drop_nulls()) - self.seen_orgs)
        self.seen_orgs.update(fresh)
        reps = self.city.organisations.get_column("rep").gather(fresh)
        first_firm = self.city.persons.height + 1
        bulk_insert(
            connection,
            "subject_relations",
            ("organisation_id", "person_id", "role", "source", "created_at"),
            (
                (first_firm + org, rep + 1, "legal_representative", f"batch:{batch}", stamp)
                for org, rep in zip(fresh, reps, strict=True)
            ),
        )


def _batch(code: str, version: int, department: str, number: int, rows: int) -> Batch:
    """A completed batch of ``rows`` new records, as the pipeline records one."""
    now = utcnow()
    return Batch(
        dataset_code=code,
        dataset_version=version,
        department_code=department,
        submitted_by=ACTOR.actor,
        channel=Channel.CLI,
        file_name=f"{department}-{code}-{number:04d}.csv",
        file_format="csv",
        encoding="UTF-8",
        file_sha256="",
        file_bytes=0,
        status=BatchStatus.COMPLETED,
        rows_read=rows,
        rows_accepted=rows,
        rows_new=rows,
        received_at=now,
        finished_at=now,
    )


def _plan(rng: random.Random, batches: int) -> list[tuple[str, str]]:
    """Each batch's dataset and department (the market regulator sends the most)."""
    codes = list(ENFORCEMENT)
    weights = [DEPARTMENT_WEIGHTS.get(d, 1) for d in codes]
    return [
        ("XZCF" if rng.random() < 0.45 else "XZXK", rng.choices(codes, weights)[0])
        for _ in range(batches)
    ]


def _timed(work: Callable[[], T]) -> tuple[T, float]:
    """``work()``'s result and how long it took, in seconds."""
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def _index(database: Database, catalog: Catalog) -> dict[str, float]:
    """Index the whole city with the real indexer, then time an in-database copy of the
    same terms into an identical, empty index table (what no indexer can beat)."""
    with database.writing() as session:
        indexed, seconds = _timed(lambda: refresh_index(session, catalog))
    with database.writing() as session:
        connection = session.connection()
        copy = _copy_index_table(connection)
        _, bare = _timed(lambda: connection.execute(text(copy)))
        connection.execute(text("DROP TABLE bare_search"))
    return {"indexed": indexed, "index_seconds": seconds, "bare_index_seconds": bare}


def _copy_index_table(connection: Connection) -> str:
    """Create ``bare_search`` like the search table; returns the statement that fills it."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"CREATE TABLE bare_search (LIKE {SEARCH_TABLE} INCLUDING ALL)"))
        return f"INSERT INTO bare_search SELECT * FROM {SEARCH_TABLE}"
    ddl = connection.execute(
        text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": SEARCH_TABLE}
    ).scalar_one()
    connection.execute(text(ddl.replace(SEARCH_TABLE, "bare_search")))
    return f"INSERT INTO bare_search (rowid, terms) SELECT rowid, terms FROM {SEARCH_TABLE}"


def _sqlite_path(records: int) -> Path:
    return OUT / f"portal-{records}.db"


def _store(database: Database, catalog: Catalog, records: int) -> dict[str, Any]:
    """Generate the city's subjects and batches and store them; then sweep."""
    rng = random.Random(SEED)
    city = Population.make(rng, max(records // RECORDS_PER_SUBJECT, 100))
    with database.writing() as session:
        load_departments(session, ACTOR)
        bulk_insert(session.connection(), "subjects", SUBJECT_COLUMNS, city.subject_rows())
    batches = max(math.ceil(records / BATCH_ROWS), 2)
    builder = Builder(database, catalog, city, batches, date.today(), rng)
    ids = city.codes()
    for number, (code, department) in enumerate(_plan(rng, batches)):
        builder.store(number, code, department, ids)
        if number % 10 == 9:
            log(f"portal city: {(number + 1) * BATCH_ROWS:,} of {records:,} records stored")
    with database.writing() as session:
        sweep(session, ACTOR, date.today())
        refresh_statistics(session)
    subjects = city.persons.height + city.organisations.height
    return {"records": batches * BATCH_ROWS, "subjects": subjects, "batches": batches}


def _build_sqlite(records: int) -> dict[str, Any]:
    """Generate, store, sweep and index the city into the cached SQLite file."""
    path = _sqlite_path(records)
    remove_sqlite_files(path.parent, path.name)
    database = Database.from_engine(fresh_engine(f"sqlite:///{path}"))
    catalog = get_catalog()
    migrate_and_sync(database, catalog)
    figures, stored = _timed(lambda: _store(database, catalog, records))
    log(f"portal city: stored and swept in {stored:.0f} s; indexing")
    figures |= {
        "store_seconds": stored,
        **_index(database, catalog),
        "token": secrets.token_hex(8),  # names this build, so a kept PostgreSQL copy matches
        "built": date.today().isoformat(),
    }
    database.engine.dispose()
    path.with_suffix(".json").write_text(json.dumps(figures, indent=1))
    return figures


def log(message: str) -> None:
    """Progress of a long build, on stderr (the results table goes to stdout)."""
    print(message, file=sys.stderr, flush=True)


def sqlite_city(records: int = RECORDS) -> City:
    """The cached SQLite city of ``records`` records, built when missing or unfinished."""
    path = _sqlite_path(records)
    done = path.with_suffix(".json")  # written last: the build finished
    if not (done.exists() and path.exists()):
        return City("SQLite", f"sqlite:///{path}", _build_sqlite(records))
    engine = create_db_engine(f"sqlite:///{path}")
    figures = _catch_up(Database.from_engine(engine), json.loads(done.read_text()))
    engine.dispose()
    done.write_text(json.dumps(figures, indent=1))
    return City("SQLite", f"sqlite:///{path}", figures)


def _catch_up(database: Database, figures: dict[str, Any]) -> dict[str, Any]:
    """A kept city brought to the current schema, and indexed again (timed) when a
    migration asked for that."""
    catalog = get_catalog()
    migrate_and_sync(database, catalog)
    with database.reading() as session:
        pending = pending_batches(session)
    if not pending:
        return figures
    log(f"portal city: {len(pending)} batches to index again after a migration")
    figures |= _index(database, catalog) | {"built": date.today().isoformat()}
    _maintain(database)
    return figures


def _maintain(database: Database) -> None:
    """What the sweep does after indexing: the terms index rebuilt (PostgreSQL, once it
    has grown loose), fresh planner statistics."""
    _, seconds = _timed(lambda: compact(database))
    log(f"portal city: search index compacted in {seconds:.0f} s")
    with database.writing() as session:
        refresh_statistics(session)


def _postgres_url(base: str, records: int) -> str:
    """The portal city's own database beside the throwaway cluster's test database."""
    url = make_url(base)
    name = f"{url.database}_portal_{records}"
    return url.set(database=name).render_as_string(hide_password=False)


def _copy_from_sqlite(source: Path, connection: Connection) -> None:
    """Copy the city's subjects, batches, records and relations, ids kept, by COPY."""
    connection.execute(text("SET TIME ZONE 'UTC'"))  # SQLite holds UTC without a zone
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        for model in COPIED:
            table = model.__tablename__
            names = [c.name for c in model.__table__.columns]
            cursor = reader.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY id")
            bulk_insert(connection, table, names, iter(cursor))
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            )
    finally:
        reader.close()
    connection.execute(text("UPDATE batches SET indexed_at = NULL"))


def _build_postgres(url: str, sqlite: City) -> dict[str, Any]:
    """Load the SQLite city into a fresh PostgreSQL database and index it there."""
    admin = create_db_engine(postgres_url() or url, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_db_engine(url)
    database = Database.from_engine(engine)
    catalog = get_catalog()
    migrate_and_sync(database, catalog)
    started = time.perf_counter()
    with database.writing() as session:
        load_departments(session, ACTOR)
        _copy_from_sqlite(Path(make_url(sqlite.url).database or ""), session.connection())
    figures: dict[str, Any] = {**sqlite.figures, "store_seconds": time.perf_counter() - started}
    log(f"portal city: copied to PostgreSQL in {figures['store_seconds']:.0f} s; indexing")
    _analyze(engine)
    figures.update(_index(database, catalog))
    _maintain(database)
    with database.writing() as session:
        set_meta(session, META_KEY, json.dumps(figures))
    engine.dispose()
    return figures


def _analyze(engine: Engine) -> None:
    """Statistics, as autovacuum would gather them soon after a load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def _kept_figures(url: str, token: str) -> dict[str, Any] | None:
    """The figures of a kept PostgreSQL copy of the city with this token, if there is one."""
    engine = create_db_engine(url)
    try:
        with Database.from_engine(engine).reading() as session:
            stored = get_meta(session, META_KEY)
    except (OperationalError, ProgrammingError):  # no such database, or not a city
        return None
    finally:
        engine.dispose()
    figures: dict[str, Any] | None = json.loads(stored) if stored else None
    if not figures or figures.get("token") != token:
        return None
    engine = create_db_engine(url)
    database = Database.from_engine(engine)
    figures = _catch_up(database, figures)
    with database.writing() as session:
        set_meta(session, META_KEY, json.dumps(figures))
    engine.dispose()
    return figures


def postgres_city(sqlite: City) -> City | None:
    """The city on the throwaway PostgreSQL cluster (None without one)."""
    base = postgres_url()
    if base is None:
        return None
    url = _postgres_url(base, sqlite.figures["records"])
    kept = _kept_figures(url, sqlite.figures["token"]) if KEEP_POSTGRES else None
    return City("PostgreSQL", url, kept or _build_postgres(url, sqlite))


def drop_postgres(city: City) -> None:
    """Drop the PostgreSQL copy, unless asked to keep it for the next run."""
    if KEEP_POSTGRES:
        return
    admin = create_db_engine(postgres_url() or city.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(f'DROP DATABASE IF EXISTS "{make_url(city.url).database}" WITH (FORCE)')
        )
    admin.dispose()
