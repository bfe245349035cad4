"""Schema and engine behaviour, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError

from xinyong.core import migrate
from xinyong.core.db import Database, create_db_engine, import_all_models


def test_schema_is_at_head(db: Database) -> None:
    assert migrate.is_current(db)


def test_models_match_migrations(engine: Engine) -> None:
    # `xinyong db check`: no model change without a migration.
    migrate.check(engine)


def test_every_table_is_migrated(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(import_all_models().tables) <= tables


def test_the_pool_keeps_a_connection_per_concurrent_request(engine: Engine) -> None:
    # Not SQLAlchemy's five: past them, each request opened and closed its own connection.
    assert engine.pool.size() == (32 if engine.dialect.name == "sqlite" else 20)  # type: ignore[attr-defined]


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: object) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000


def test_one_writer_at_a_time_and_readers_never_wait(tmp_path: object) -> None:
    # BEGIN IMMEDIATE: a second writer is refused at BEGIN (after the busy timeout), never
    # half-way through its work; a reader goes ahead while the writer holds the lock.
    path = f"sqlite:///{tmp_path}/lock.db"
    migrate.upgrade(create_db_engine(path))
    writer = Database.from_engine(create_db_engine(path))
    impatient = Database.from_engine(create_db_engine(path, busy_timeout_ms=50))
    with writer.writing() as first:
        first.execute(
            text(
                "INSERT INTO platform_meta (key, value, updated_at) "
                "VALUES ('k', 'v', '2026-01-01 00:00:00')"
            )
        )
        with impatient.reading() as reader:
            assert reader.execute(text("SELECT count(*) FROM platform_meta")).scalar() == 0
        with pytest.raises(OperationalError, match="locked"), impatient.writing() as second:
            second.execute(text("SELECT 1"))
    with impatient.reading() as reader:
        assert reader.execute(text("SELECT count(*) FROM platform_meta")).scalar() == 1


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_audit_log_refuses_update_and_delete(db: Database, statement: str) -> None:
    from tests.factories import ADMIN
    from xinyong.audit import service as audit

    with db.writing() as session:
        audit.record(session, ADMIN, "test.write")
    with pytest.raises(DBAPIError, match="append-only"), db.writing() as session:
        session.execute(text(statement))
