"""The writers' queue (写锁排队) in front of SQLite's write lock, across processes.

SQLite lets one connection write at a time; a connection that finds the lock taken sleeps
in its busy handler and tries again, 1 ms at first and up to 100 ms a try. Two server
processes, each committing a group of checks every few milliseconds, kept missing each
other's short windows: their writers slept while the lock stood free, and one check in a
hundred waited a second (587 checks/s, p99 1,040 ms, on two processes).

So every write transaction first takes an exclusive ``flock`` on a file beside the
database (``<database>-writer``) and only then ``BEGIN IMMEDIATE``; it lets go right after
its ``COMMIT`` or ``ROLLBACK``. A writer that has to wait tries again after a tenth of a
millisecond, then at most every millisecond, until the busy timeout, when it fails as
SQLite would ("database is locked"). The file lock is only a queue: SQLite's own lock
stays the guarantee, so a writer outside it (the ``sqlite3`` shell, a backup tool) is still
safe. A process that dies lets go with its file descriptors.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError

HELD = "xinyong.writer_lock"  # in the connection's info: the descriptor holding the lock
FIRST_PAUSE = 0.0001
LONGEST_PAUSE = 0.001


def lock_path(database: str | None) -> str | None:
    """The queue's file for a SQLite database file (None for an in-memory database)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writer"


def install(engine: Engine) -> None:
    """End ``engine``'s queued write transactions by letting go of the lock (``acquire``
    takes it, just before ``BEGIN IMMEDIATE``)."""

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Connection) -> None:
        # SQLAlchemy calls the driver's commit after this hook, and the lock must outlive
        # the commit: commit here (the driver's own commit then finds nothing to do).
        _end(connection, "COMMIT")

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Connection) -> None:
        _end(connection, "ROLLBACK")

    @event.listens_for(engine, "reset")
    def _on_reset(_dbapi: Any, record: Any, _state: Any) -> None:
        # A connection going back to the pool never keeps the lock, whatever happened.
        release(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi: Any, record: Any, _exception: Any) -> None:
        # Nor one thrown away mid-transaction (its database went away), which is never
        # reset: its lock would have stopped every writer of the file.
        release(record.info)


def acquire(connection: Connection, path: str, timeout_ms: int) -> None:
    """Wait for the queue's lock, kept until the transaction ends; fail as a locked
    database after ``timeout_ms``."""
    descriptor = _open(path)
    try:
        _wait(descriptor, timeout_ms)
    except BaseException:
        os.close(descriptor)
        raise
    connection.info[HELD] = descriptor


def _wait(descriptor: int, timeout_ms: int) -> None:
    # A blocking flock has no timeout, and a writer must not wait for ever; these pauses
    # are ten to a thousand times shorter than SQLite's busy handler's.
    deadline = time.monotonic() + timeout_ms / 1000
    pause = FIRST_PAUSE
    while not _try_lock(descriptor):
        if time.monotonic() >= deadline:
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


def taken(path: str) -> bool:
    """Whether another writer holds the queue's lock at this moment: a hint for what to do
    first, never an exclusion (it may be taken or let go the next instant)."""
    descriptor = _open(path)
    try:
        return not _try_lock(descriptor)
    finally:
        os.close(descriptor)  # lets go of the lock if this probe took it


def _open(path: str) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _try_lock(descriptor: int) -> bool:
    """Take the lock if it is free; whether it was."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def release(info: dict[Any, Any]) -> None:
    """Let go of the lock if this connection holds it (closing the descriptor does)."""
    descriptor = info.pop(HELD, None)
    if descriptor is not None:
        os.close(descriptor)


def _end(connection: Connection, statement: str) -> None:
    # An invalidated connection let go of the lock when it was thrown away (and has no
    # ``info`` to ask until its transaction is rolled back).
    if connection.invalidated or HELD not in connection.info:
        return
    try:
        driver = connection.connection.dbapi_connection
        if driver is not None and driver.in_transaction:
            driver.execute(statement)
    finally:
        release(connection.info)
