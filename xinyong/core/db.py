"""Database engine, sessions and the declarative base, for SQLite and PostgreSQL alike.

SQLite is used the way it works best: WAL, foreign keys on, one writer at a time. A write
session opens with ``BEGIN IMMEDIATE`` so it takes the write lock up front and waits for it
(busy timeout) instead of failing half-way when a read transaction tries to upgrade.
Read-only sessions open with a deferred ``BEGIN`` and never block each other.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Engine,
    Enum,
    Integer,
    MetaData,
    Row,
    Select,
    Table,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from xinyong.core import writelock
from xinyong.core.checkpoint import FALLBACK_PAGES, Checkpointer
from xinyong.core.settings import Settings

# Stable constraint names, so migrations generated on one engine apply on the other.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every room whose tables belong to the schema; Alembic and `db check` import them all.
MODEL_MODULES = (
    "xinyong.core.meta",
    "xinyong.identity.models",
    "xinyong.catalog.models",
    "xinyong.accounts.models",
    "xinyong.audit.models",
    "xinyong.ingest.models",
    "xinyong.archive.models",
    "xinyong.lists.models",
    "xinyong.sanctions.models",
    "xinyong.rights.models",
)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# In a read session's ``info``: the session must not write (on SQLite it holds no write lock).
READ_ONLY = "xinyong.read_only"

# A 64-bit surrogate key; on SQLite it must be INTEGER to alias the rowid (autoincrement).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(cls: type[StrEnum]) -> Enum:
    """A portable enum column stored as its string value (no native PG type to migrate)."""
    return Enum(
        cls,
        name=cls.__name__.lower(),
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


def table_of(model: type[Base]) -> Table:
    """A mapped class's Core table: statements on it skip the ORM's bulk-persistence
    machinery, a third of a millisecond a statement on the check's hot path."""
    return cast(Table, model.__table__)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def keyset_chunks(
    executor: Connection | Session,
    statement: Select[*tuple[Any, ...]],
    key: ColumnElement[int] | QueryableAttribute[int],
    size: int,
) -> Iterator[list[Row[Any]]]:
    """``statement``'s rows in chunks of ``size`` by ascending ``key``, its first column
    (keyset paging: each chunk is one index range scan, however far into the table)."""
    last = 0
    while True:
        rows = list(executor.execute(statement.where(key > last).order_by(key).limit(size)))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def refresh_statistics(executor: Session | Connection, table: str | None = None) -> None:
    """Give SQLite's planner statistics of every index (of ``table``'s alone, if named):
    ANALYZE sampling about a thousand rows each, seconds on millions of records. Without
    them it chose, for a check of several subjects, to read a whole list instead of each
    subject's entries (28 ms against 0.2 ms). PostgreSQL's autovacuum keeps its own."""
    bind = executor.get_bind() if isinstance(executor, Session) else executor
    if bind.dialect.name == "sqlite":
        executor.execute(text("PRAGMA analysis_limit=1000"))
        executor.execute(text(f"ANALYZE {table}" if table else "ANALYZE"))


def import_all_models() -> MetaData:
    """Import every room's models and return the complete metadata."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, database: str | None) -> None:
    """Set the pragmas and take over transaction start from pysqlite; for a database file,
    write transactions queue on a lock file first (core/writelock.py) and checkpoints run
    in the background (core/checkpoint.py)."""
    queue = writelock.lock_path(database)
    checkpointer = Checkpointer(database) if database and queue else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own implicit BEGIN would defeat BEGIN IMMEDIATE; we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # 8 KB pages for a new database (a no-op on an existing one): a credit record is
        # ~0.5-1 KB, and at 4 KB a quarter of each page went to waste; bulk loads ran ~1.4x
        # faster in a measurement of 1,000,000 records.
        cursor.execute("PRAGMA page_size=8192")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # A 64 MB page cache: bulk loads (index updates of millions of rows) would
        # otherwise thrash the 2 MB default.
        cursor.execute("PRAGMA cache_size=-65536")
        # Temporary storage on file (the OS caches it), not in memory: with it in memory,
        # SQLite's sorter never spills, so the indexes rebuilt at the end of a bulk load
        # held every key of the batch in memory. A 5,000,000-row first load peaked at
        # 571 MB that way and at 392 MB on file; a 1,000,000-row load took 26.9-34.1 s on
        # file against 29.8-30.1 s in memory (interleaved runs, within the machine's drift).
        cursor.execute("PRAGMA temp_store=FILE")
        if checkpointer is not None:
            cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Deferred unless asked: an incidental connection (schema check, inspection) must
        # never queue for the write lock behind the request that holds it.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE" and queue is not None:
            writelock.acquire(connection, queue, busy_timeout_ms)
        try:
            # On the driver itself: through SQLAlchemy's execution layer BEGIN took as long
            # as a query (the group writer begins hundreds of transactions a second).
            driver = cast(sqlite3.Connection, connection.connection.driver_connection)
            driver.execute(f"BEGIN {mode}")
        except sqlite3.Error as exc:
            writelock.release(connection.info)
            raise OperationalError(f"BEGIN {mode}", None, exc) from exc
        except BaseException:
            writelock.release(connection.info)
            raise

    if queue is not None:
        writelock.install(engine)
    if checkpointer is not None:
        event.listen(engine, "commit", lambda _connection: checkpointer.committed())
        event.listen(engine, "engine_disposed", lambda _engine: checkpointer.stop())


def create_db_engine(
    url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any
) -> Engine:
    """An engine for ``url``, configured for the engine it names."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("pool_size", 32)
        # The most recently used connection first: each keeps its own page cache, and
        # handed out in turn, sixteen pooled connections read 8 codes in 1.2-1.6 ms where
        # the warm one took 0.55-0.76 ms.
        kwargs.setdefault("pool_use_lifo", True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _configure_sqlite(engine, busy_timeout_ms, parsed.database)
        return engine
    # Twenty kept connections (and SQLAlchemy's ten overflow): with its default five, eight
    # concurrent checks opened and closed an overflow connection per request, a new
    # PostgreSQL backend each time (140 checks/s, then 489). Thirty per process keeps three
    # server processes under PostgreSQL's default hundred connections.
    kwargs.setdefault("pool_size", 20)
    return create_engine(url, pool_pre_ping=True, **kwargs)


WRITES = {"sqlite_begin": "IMMEDIATE"}  # the execution options of a write transaction
# How much of the file the group writer's connection maps (SQLite caps it at its build's
# limit, 2 GB on Debian's); mapped pages are the OS's page cache, shared, not a copy.
WRITER_MMAP_BYTES = 2**31


@dataclass
class Database:
    """The engine with its two session factories: writes and reads."""

    engine: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    # Tests run everything inside one outer transaction on one connection (savepoint per use).
    connection: Connection | None = None

    @classmethod
    def from_connection(cls, connection: Connection) -> Database:
        """Bind every session to ``connection``; each session works in a savepoint."""
        factory = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        return cls(
            engine=connection.engine,
            write_sessions=factory,
            read_sessions=factory,
            connection=connection,
        )

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for schema inspection (the shared one in tests)."""
        if self.connection is not None:
            yield self.connection
        else:
            with self.engine.connect() as connection:
                yield connection

    @classmethod
    def from_engine(cls, engine: Engine) -> Database:
        """Wrap an engine (or a connection-bound engine in tests)."""
        writer = engine.execution_options(**WRITES)
        return cls(
            engine=engine,
            write_sessions=sessionmaker(bind=writer, expire_on_commit=False),
            read_sessions=sessionmaker(bind=engine, expire_on_commit=False, info={READ_ONLY: True}),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """Open the database the settings name."""
        return cls.from_engine(create_db_engine(settings.database_url))

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error."""
        with self.write_sessions() as session, session.begin():
            yield session

    def write_connection(self) -> Connection:
        """A connection of its own for a long-lived writer (the group writer): each
        transaction it begins is a write transaction, as a write session's is.

        On SQLite it reads the file through a memory map: the check desk looks subjects up
        on this connection, all over a file far larger than its page cache, and each page
        it missed was a ``pread`` copied into the cache (29 a group of seven checks on the
        bench city: docs/operations.md, Serving)."""
        connection = self.engine.connect().execution_options(**WRITES)
        if connection.dialect.name == "sqlite":
            cursor = connection.connection.cursor()  # the driver's: no transaction begins
            cursor.execute(f"PRAGMA mmap_size={WRITER_MMAP_BYTES}")
            cursor.close()
        return connection

    def write_lock_taken(self) -> bool:
        """Whether another writer holds the SQLite file's write lock now (never so for
        PostgreSQL, which has none)."""
        url = self.engine.url
        path = writelock.lock_path(url.database) if url.get_backend_name() == "sqlite" else None
        return path is not None and writelock.taken(path)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction that never takes the write lock."""
        with self.read_sessions() as session:
            try:
                yield session
            finally:
                session.rollback()
