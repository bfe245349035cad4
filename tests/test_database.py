"""Schema and engine behaviour, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError

from xinyong.core import migrate
from xinyong.core.checkpoint import FALLBACK_PAGES, Checkpointer
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


def test_sqlite_temporary_storage_is_on_file_so_large_sorts_spill(tmp_path: object) -> None:
    # In memory, the index builds at the end of a bulk load held every key of the batch.
    engine = create_db_engine(f"sqlite:///{tmp_path}/temp.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA temp_store")).scalar() == 1  # FILE


def test_checkpoints_run_in_the_background_not_in_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done: list[tuple[int, int, int]] = []
    checkpoint = Checkpointer.checkpoint

    def noted(connection: sqlite3.Connection) -> tuple[int, int, int]:
        done.append(checkpoint(connection))
        return done[-1]

    monkeypatch.setattr(Checkpointer, "checkpoint", staticmethod(noted))
    database = Database.from_engine(create_db_engine(f"sqlite:///{tmp_path}/ckpt.db"))
    with database.writing() as session:
        auto = session.execute(text("PRAGMA wal_autocheckpoint")).scalar()
        session.execute(text("CREATE TABLE t (x TEXT)"))
        session.execute(text("INSERT INTO t VALUES (hex(randomblob(5000)))"))
    deadline = time.monotonic() + 5
    while not done and time.monotonic() < deadline:
        time.sleep(0.02)
    assert auto == FALLBACK_PAGES
    busy, log, copied = done[0]
    assert (busy, copied) == (0, log)
    assert log > 0
    running = [t for t in threading.enumerate() if t.name == "xinyong-checkpointer"]
    database.engine.dispose()  # and its checkpointer with it
    assert len([t for t in threading.enumerate() if t.name == "xinyong-checkpointer"]) == (
        len(running) - 1
    )


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


def _holds(database: Database) -> float:
    """Seconds a second writer waited for ``database``'s write lock held for 0.2 s."""
    other = Database.from_engine(create_db_engine(str(database.engine.url)))
    entered = threading.Event()
    waited: list[float] = []

    def second() -> None:
        entered.wait(5)
        start = time.monotonic()
        with other.writing() as session:
            session.execute(text("SELECT 1"))
            waited.append(time.monotonic() - start)

    thread = threading.Thread(target=second)
    thread.start()
    with database.writing() as session:
        session.execute(text("SELECT 1"))
        entered.set()
        time.sleep(0.2)
    thread.join(5)
    return waited[0]


def test_sqlite_writers_queue_for_the_lock_and_are_woken_at_once(tmp_path: Path) -> None:
    # Another process's writer is another engine on the file: it waits for the commit and
    # goes at once (SQLite's busy handler alone slept up to 100 ms a try).
    database = Database.from_engine(create_db_engine(f"sqlite:///{tmp_path}/queue.db"))
    assert 0.15 < _holds(database) < 0.3
    assert Path(f"{tmp_path}/queue.db-writer").exists()


@pytest.mark.parametrize("ending", ["rollback", "pool"])
def test_the_writer_queue_is_let_go_however_a_transaction_ends(tmp_path: Path, ending: str) -> None:
    url = f"sqlite:///{tmp_path}/ends.db"
    engine = create_db_engine(url).execution_options(sqlite_begin="IMMEDIATE")
    connection = engine.connect()
    connection.begin()
    if ending == "rollback":
        connection.rollback()
    else:
        connection.close()  # back to the pool mid-transaction
    impatient = Database.from_engine(create_db_engine(url, busy_timeout_ms=50))
    with impatient.writing() as session:
        session.execute(text("SELECT 1"))


def test_a_writer_outside_the_queue_makes_begin_fail_as_a_locked_database(
    tmp_path: Path,
) -> None:
    # The sqlite3 shell or a backup tool writes without the queue: BEGIN IMMEDIATE waits
    # out the busy timeout and fails as SQLAlchemy's OperationalError (a 503 on the web),
    # letting go of the queue's lock.
    url = f"sqlite:///{tmp_path}/outside.db"
    impatient = Database.from_engine(create_db_engine(url, busy_timeout_ms=50))
    with impatient.writing() as session:
        session.execute(text("SELECT 1"))  # the file exists, in WAL mode
    outside = sqlite3.connect(f"{tmp_path}/outside.db", isolation_level=None)
    outside.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="locked"), impatient.writing() as session:
        session.execute(text("SELECT 1"))
    outside.execute("ROLLBACK")
    outside.close()
    with impatient.writing() as session:
        session.execute(text("SELECT 1"))
