"""One ingest (or bare insert) in its own process, so its peak memory is its own.

python -m bench.ingest_run ingest|bare DATABASE_URL FILE  ->  JSON on stdout
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

from xinyong.accounts.models import Department
from xinyong.catalog.loader import get_catalog
from xinyong.catalog.service import sync_catalog
from xinyong.core import migrate
from xinyong.core.db import Database, create_db_engine, utcnow
from xinyong.core.security import Principal, Role
from xinyong.ingest.columns import map_columns
from xinyong.ingest.models import Channel
from xinyong.ingest.readers import chunks, headers, open_source
from xinyong.ingest.service import Submission, ingest
from xinyong.ingest.store import STAGE_COLUMNS, bulk_insert
from xinyong.ingest.validate import ChunkValidator

ACTOR = Principal(kind="cli", id=None, name="bench", role=Role.PLATFORM_ADMIN)
DEPARTMENT = ("SCJG", "示范市市场监督管理局", "11440100666055569B")


def prepare(url: str) -> Database:
    """A fresh, migrated database with the catalog and the submitting department."""
    engine = create_db_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    database = Database.from_engine(engine)
    with database.writing() as session:
        sync_catalog(session, get_catalog())
        session.add(Department(code=DEPARTMENT[0], name=DEPARTMENT[1], uscc=DEPARTMENT[2]))
    return database


def run_ingest(database: Database, path: Path) -> dict[str, float]:
    started = time.perf_counter()
    batch = ingest(
        database,
        get_catalog(),
        ACTOR,
        Submission(path, path.name, "XZCF", DEPARTMENT[0], Channel.CLI),
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": batch.rows_read,
        "accepted": batch.rows_accepted,
        "rejected": batch.rows_rejected,
    }


def run_bare(database: Database, path: Path) -> dict[str, float]:
    """Parse and validate first (not timed), then time a plain bulk insert of the same rows."""
    dataset = get_catalog().datasets["XZCF"]
    source = open_source(path, path.parent)
    validator = ChunkValidator(
        dataset, get_catalog().code_tables, map_columns(headers(source), dataset), date.today()
    )
    frames = [validator.check(chunk).accepted for chunk in chunks(source, 100_000)]
    rows = sum(f.height for f in frames)
    columns = (
        "dataset_code",
        "dataset_version",
        "business_key",
        "subject_id",
        "status",
        "revision",
        "decision_date",
        "data",
        "original",
        "department_code",
        "batch_id",
        "line",
        "received_at",
    )
    now = utcnow()
    with database.writing() as session:
        connection = session.connection()
        ddl = (
            "CREATE TABLE bare AS SELECT * FROM records WHERE 1 = 0"
            if connection.dialect.name == "sqlite"
            else "CREATE TABLE bare (LIKE records)"
        )
        connection.execute(text(ddl))
    started = time.perf_counter()
    with database.writing() as session:
        connection = session.connection()
        for frame in frames:
            index = {name: i for i, name in enumerate(STAGE_COLUMNS)}
            bulk_insert(
                connection,
                "bare",
                ("id", *columns),
                (
                    (
                        int(r[index["line"]]),
                        "XZCF",
                        1,
                        r[index["business_key"]],
                        1,
                        "active",
                        1,
                        r[index["decision_date"]],
                        r[index["data"]],
                        r[index["original"]],
                        "SCJG",
                        1,
                        r[index["line"]],
                        now,
                    )
                    for r in frame.select("_line", *STAGE_COLUMNS[1:]).iter_rows()
                ),
            )
    return {"seconds": time.perf_counter() - started, "rows": rows}


def main() -> None:
    mode, url, file = sys.argv[1:4]
    database = prepare(url)
    result = (run_ingest if mode == "ingest" else run_bare)(database, Path(file))
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
