"""Group commit: work from many threads and tasks lands in shared transactions, each caller
gets its own answer once committed, and a failing item fails alone."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from xinyong.core import groupwrite, migrate
from xinyong.core.db import Database, create_db_engine
from xinyong.core.groupwrite import BatchHandler, GroupWriter, WriterUnavailable
from xinyong.core.meta import PlatformMeta

CALLS: list[int] = []


def _store(session: Session, keys: list[str]) -> list[str | BaseException]:
    """Store each key; a key named "bad" fails (as an item, not the group)."""
    CALLS.append(len(keys))
    answers: list[str | BaseException] = []
    for key in keys:
        if key == "bad":
            answers.append(ValueError("bad item"))
            continue
        session.execute(
            text(
                "INSERT INTO platform_meta (key, value, updated_at) "
                "VALUES (:k, 'v', '2026-01-01 00:00:00')"
            ),
            {"k": key},
        )
        answers.append(key.upper())
    return answers


STORE = BatchHandler("store", _store)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[GroupWriter]:
    url = f"sqlite:///{tmp_path}/group.db"
    migrate.upgrade(create_db_engine(url))
    started = GroupWriter(Database.from_engine(create_db_engine(url)))
    started.start()
    yield started
    started.stop()


def _count(writer: GroupWriter) -> int:
    with writer.database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(PlatformMeta)) or 0)


def test_many_threads_share_transactions_and_each_gets_its_answer(writer: GroupWriter) -> None:
    CALLS.clear()
    keys = [f"k{i}" for i in range(200)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda k: writer.submit(STORE, k), keys))
    assert answers == [k.upper() for k in keys]
    assert _count(writer) == 200
    assert sum(CALLS) == 200


def test_what_queues_meanwhile_is_handed_over_in_one_call(writer: GroupWriter) -> None:
    CALLS.clear()
    gate = threading.Event()
    with ThreadPoolExecutor(max_workers=12) as pool:
        blocker = pool.submit(writer.run, lambda session: gate.wait(10))
        time.sleep(0.1)  # the writer is now busy with the blocker
        waiting = [pool.submit(writer.submit, STORE, f"q{i}") for i in range(10)]
        time.sleep(0.2)  # all ten are queued
        gate.set()
        assert blocker.result() is True
        assert sorted(f.result() for f in waiting) == sorted(f"Q{i}" for i in range(10))
    assert CALLS == [10]


def test_tasks_wait_without_threads_and_errors_stay_with_their_item(writer: GroupWriter) -> None:
    async def ask_all() -> list[object]:
        return await asyncio.gather(
            *(writer.gather(STORE, k) for k in ["a", "bad", "b"]), return_exceptions=True
        )

    # A thread of its own: the browser tests' Playwright keeps a loop in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        first, failed, second = pool.submit(asyncio.run, ask_all()).result()
    assert (first, second) == ("A", "B")
    assert isinstance(failed, ValueError)
    assert _count(writer) == 2


def test_a_task_not_answered_in_time_hears_that_the_writer_is_busy(
    writer: GroupWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(groupwrite, "WAIT_SECONDS", 0.2)
    monkeypatch.setattr(groupwrite, "SWEEP_SECONDS", 0.05)
    release = threading.Event()
    stuck: BatchHandler[int, bool] = BatchHandler(
        "stuck", lambda _session, items: [release.wait(5) for _ in items]
    )

    async def ask() -> tuple[object, object, float]:
        started = time.monotonic()
        late = await asyncio.gather(writer.gather(stuck, 1), return_exceptions=True)
        waited = time.monotonic() - started
        release.set()
        return late[0], await writer.gather(STORE, "after"), waited

    with ThreadPoolExecutor(max_workers=1) as pool:
        late, after, waited = pool.submit(asyncio.run, ask()).result()
    assert isinstance(late, WriterUnavailable)
    assert late.status_code == 503
    assert 0.2 <= waited < 2
    assert after == "AFTER"  # the next request is answered once the writer is free


def test_an_event_loop_that_ended_is_not_kept_by_the_writer(writer: GroupWriter) -> None:
    async def ask() -> str:
        return await writer.gather(STORE, "once")

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, ask()).result() == "ONCE"
    assert writer.submit(STORE, "next") == "NEXT"  # the writer lets go of the last group
    gc.collect()
    assert len(writer._deadlines) == 0  # the loop's deadlines went with it


def test_a_group_that_breaks_is_run_again_item_by_item(writer: GroupWriter) -> None:
    # The same key twice breaks the group's transaction (primary key): the second fails
    # alone, the first is stored.
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda k: _attempt(writer, k), ["same", "same", "other"]))
    assert sorted(outcomes) == ["OTHER", "SAME", "error"]
    assert _count(writer) == 2


def _attempt(writer: GroupWriter, key: str) -> str:
    try:
        return writer.submit(STORE, key)
    except Exception:
        return "error"


def test_plain_work_runs_in_a_committed_transaction(writer: GroupWriter) -> None:
    assert writer.run(lambda session: _store(session, ["solo"])[0]) == "SOLO"
    assert _count(writer) == 1


@contextmanager
def another_process_writes(writer: GroupWriter) -> Iterator[None]:
    """Hold the write lock from another engine on the file, as another server process."""
    other = Database.from_engine(create_db_engine(str(writer.database.engine.url)))
    with other.writing() as session:
        session.execute(text("SELECT 1"))
        yield


def test_what_queues_while_another_process_writes_joins_the_group(writer: GroupWriter) -> None:
    # The writer takes its first item, waits for the lock, and then takes everything
    # queued meanwhile.
    CALLS.clear()
    with ThreadPoolExecutor(max_workers=10) as pool:
        with another_process_writes(writer):
            waiting = [pool.submit(writer.submit, STORE, f"p{i}") for i in range(10)]
            time.sleep(0.3)  # all ten are queued behind the lock
        assert sorted(f.result() for f in waiting) == sorted(f"P{i}" for i in range(10))
    assert CALLS == [10]


READS: list[str] = []


def _read(session: Session, keys: list[str]) -> list[str]:
    """Note what was read (outside the write lock) and mark the items."""
    session.execute(text("SELECT 1"))
    READS.extend(keys)
    return [f"{key}+read" for key in keys]


ECHO = BatchHandler("echo", lambda session, keys: list(keys), read=_read)


def test_reads_run_before_the_writer_waits_for_the_lock(writer: GroupWriter) -> None:
    # What joins the group while the writer waits goes to the work unread.
    READS.clear()
    with ThreadPoolExecutor(max_workers=2) as pool:
        with another_process_writes(writer):
            first = pool.submit(writer.submit, ECHO, "a")
            time.sleep(0.2)  # read, and now waiting for the lock
            assert READS == ["a"]
            late = pool.submit(writer.submit, ECHO, "b")
            time.sleep(0.1)
        assert (first.result(), late.result()) == ("a+read", "b")
    assert READS == ["a"]


def test_with_the_lock_free_reads_are_made_in_the_write_transaction(
    writer: GroupWriter,
) -> None:
    # No separate read transaction when no one else writes: the work reads for itself.
    READS.clear()
    assert not writer.database.write_lock_taken()
    assert writer.submit(ECHO, "a") == "a"
    assert READS == []
    with another_process_writes(writer):
        assert writer.database.write_lock_taken()
    assert not writer.database.write_lock_taken()


def test_the_writer_keeps_its_connection_and_gets_another_when_it_breaks(
    writer: GroupWriter,
) -> None:
    # One connection from group to group: a checkout per group (with its ping and reset)
    # cost as much as the group's own statements.
    checkouts: list[object] = []
    event.listen(writer.database.engine, "checkout", lambda *_: checkouts.append(1))
    assert [writer.submit(STORE, f"k{i}") for i in range(5)] == [f"K{i}" for i in range(5)]
    assert len(checkouts) == 1
    with pytest.raises(SQLAlchemyError):  # as if the database went away mid-group
        writer.run(lambda session: session.connection().invalidate())
    assert writer.submit(STORE, "after") == "AFTER"
    # The group and its item-by-item retry each broke a connection; each got another.
    assert len(checkouts) == 3
    assert _count(writer) == 6


def test_the_writer_reads_the_file_through_a_memory_map(writer: GroupWriter) -> None:
    # Its lookups (the check desk's) miss a page cache far smaller than the file: mapped,
    # a miss is the OS's page, not a read() copied into SQLite's cache.
    mapped = writer.run(
        lambda session: session.connection().exec_driver_sql("PRAGMA mmap_size").scalar()
    )
    assert (mapped or 0) > 1_000_000_000
    with writer.database.reading() as session:  # other connections keep SQLite's default
        assert session.connection().exec_driver_sql("PRAGMA mmap_size").scalar() == 0
