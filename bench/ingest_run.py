"""One ingest (or bare insert) in its own process, so its peak memory is its own.

python -m bench.ingest_run ingest|bare|keyed DATABASE_URL FILE  ->  JSON on stdout

``bare`` inserts the parsed rows into a copy of records with every index, ``keyed`` into a
copy with the business key's unique index only: the least an idempotent store keeps.
Both also report how long reading and validating the file took, nothing stored.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import text

from bench.common import fresh_engine
from xinyong.accounts.models import Department
from xinyong.catalog.loader import get_catalog
from xinyong.catalog.service import migrate_and_sync
from xinyong.core.db import Database, utcnow
from xinyong.core.security import Principal, Role
from xinyong.ingest.columns import map_columns
from xinyong.ingest.models import Channel
from xinyong.ingest.readers import chunks, headers, open_source
from xinyong.ingest.service import CHUNK_ROWS, Submission, ingest
from xinyong.ingest.store import RECORD_COLUMNS, bulk_insert
from xinyong.ingest.validate import ChunkValidator

FOREIGN_KEYS = (
    ("dataset_code", "catalog_datasets (code)"),
    ("subject_id", "subjects (id)"),
    ("department_code", "departments (code)"),
    ("batch_id", "batches (id)"),
)
ACTOR = Principal(kind="cli", id=None, name="bench", role=Role.PLATFORM_ADMIN)
DEPARTMENT = ("SCJG", "示范市市场监督管理局", "11440100666055569B")


def prepare(url: str) -> Database:
    """A fresh, migrated database with the catalog and the submitting department."""
    database = Database.from_engine(fresh_engine(url))
    migrate_and_sync(database, get_catalog())
    with database.writing() as session:
        session.add(Department(code=DEPARTMENT[0], name=DEPARTMENT[1], uscc=DEPARTMENT[2]))
    return database


def run_ingest(database: Database, path: Path) -> dict[str, float]:
    started = time.perf_counter()
    batch = ingest(
        database,
        get_catalog(),
        ACTOR,
        Submission(path, path.name, "XZCF", DEPARTMENT[0], Channel.CLI),
        index=False,  # the search index is derived afterwards; the portal bench measures it
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": batch.rows_read,
        "accepted": batch.rows_accepted,
        "rejected": batch.rows_rejected,
    }


@dataclass
class Validated:
    """A file's accepted rows as the pipeline validates them, in its chunks, with the rows
    read and the seconds spent reading (hash included) and validating."""

    frames: list[pl.DataFrame]
    read: int = 0
    reading: float = 0.0
    validating: float = 0.0


def read_and_validate(path: Path) -> Validated:
    """Read and validate a file as an ingest does, storing nothing."""
    catalog = get_catalog()
    dataset = catalog.datasets["XZCF"]
    started = time.perf_counter()
    source = open_source(path, path.parent)  # hashes the file, as an ingest does
    columns = map_columns(headers(source), dataset)
    validator = ChunkValidator(
        dataset, catalog.code_tables, catalog.policies, columns, date.today()
    )
    done = Validated([], reading=time.perf_counter() - started)
    read = chunks(source, CHUNK_ROWS)
    while True:
        started = time.perf_counter()
        chunk = next(read, None)
        done.reading += time.perf_counter() - started
        if chunk is None:
            return done
        started = time.perf_counter()
        done.frames.append(validator.check(chunk).accepted)
        done.validating += time.perf_counter() - started
        done.read += chunk.height


def run_bare(database: Database, path: Path, keyed: bool = False) -> dict[str, float]:
    """Read and validate first (timed apart), then time a plain bulk insert of the same
    rows into a copy of the records table, in one transaction: with every index, or with
    the business key's unique index only when ``keyed``."""
    validated = read_and_validate(path)
    frames = validated.frames
    with database.writing() as session:  # the subject and batch the rows point to
        session.execute(
            text(
                "INSERT INTO subjects (id, code_type, code, name, kind, created_at, updated_at) "
                "VALUES (1, 'uscc', '91110000600037341L', '基准', 'organisation', :now, :now)"
            ),
            {"now": utcnow()},
        )
        session.execute(
            text(
                "INSERT INTO batches (id, dataset_code, dataset_version, department_code, "
                "submitted_by, channel, file_name, file_format, file_sha256, file_bytes, status, "
                "rows_read, rows_accepted, rows_rejected, rows_new, rows_revised, rows_unchanged, "
                "rows_withdrawn, unknown_columns, received_at, duration_ms) VALUES (1, 'XZCF', 1, "
                "'SCJG', 'bench', 'cli', 'bench', 'csv', '', 0, 'completed', 0, 0, 0, 0, 0, 0, 0, "
                "'[]', :now, 0)"
            ),
            {"now": utcnow()},
        )
    rows = sum(f.height for f in frames)
    now = utcnow()
    sqlite = database.engine.dialect.name == "sqlite"
    stamp: object = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    with database.writing() as session:
        connection = session.connection()
        # A copy of records with the same foreign keys, and every index or (keyed) only the
        # business key's unique constraint, part of the table's own DDL: the cost that
        # storing these rows cannot avoid, whatever the pipeline does before.
        if sqlite:
            kinds = "('table')" if keyed else "('table', 'index')"
            for (ddl,) in connection.execute(
                text(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = 'records' "
                    f"AND sql IS NOT NULL AND type IN {kinds}"
                )
            ):
                connection.execute(text(ddl.replace("records", "bare")))
        else:
            connection.execute(
                text(
                    "CREATE TABLE bare (LIKE records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                    if keyed
                    else "CREATE TABLE bare (LIKE records INCLUDING ALL)"
                )
            )
            if keyed:
                connection.execute(text("ALTER TABLE bare ADD UNIQUE (dataset_code, business_key)"))
            for column, target in FOREIGN_KEYS:
                connection.execute(
                    text(f"ALTER TABLE bare ADD FOREIGN KEY ({column}) REFERENCES {target}")
                )
    started = time.perf_counter()
    with database.writing() as session:
        connection = session.connection()
        for frame in frames:
            values = frame.select(
                "business_key",
                pl.col("decision_date").cast(pl.String),
                pl.col("display_until").cast(pl.String),
                "data",
                "original",
                "_line",
            )
            bulk_insert(
                connection,
                "bare",
                ("id", *RECORD_COLUMNS),
                (
                    (
                        line,
                        "XZCF",
                        1,
                        key,
                        1,
                        "active",
                        1,
                        decided,
                        until,
                        data,
                        original,
                        "SCJG",
                        1,
                        line,
                        stamp,
                    )
                    for key, decided, until, data, original, line in values.iter_rows()
                ),
            )
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "rows_read": validated.read,
        "read_seconds": validated.reading,
        "validate_seconds": validated.validating,
    }


def main() -> None:
    mode, url, file = sys.argv[1:4]
    database = prepare(url)
    path = Path(file)
    result = (
        run_ingest(database, path)
        if mode == "ingest"
        else run_bare(database, path, mode == "keyed")
    )
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
