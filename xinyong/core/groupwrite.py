"""Group commit (成组提交): the work of many concurrent requests in one transaction.

The check is the hottest path of the platform and each check must be logged before it is
answered. One transaction per check would make every request queue for the database's
single write lock and pay for its own statements and commit; instead requests hand their
work to one writer thread, which runs everything that arrived meanwhile in one transaction
and answers each request once it is committed. Work of the same kind is handed over in one
call (a *batch handler* gets every item of the group), so forty checks are one lookup and
one insert, not forty. Nothing is answered before it is durable. When another writer (a
second server process) holds the lock, what the group only reads is read while it waits
(``BatchHandler.read``), so that the lock is held for writing alone; when the lock is free,
the reads are made in the write transaction, saving a transaction per group.

Should a group fail, it is run again item by item with a savepoint each, so a failing item
fails alone (handlers must be safe to run twice: they only write in the transaction they
are given).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong.core.db import Database
from xinyong.core.errors import XinyongError

I = TypeVar("I")  # noqa: E741 - an item of a batch
R = TypeVar("R")
MAX_GROUP = 500  # items per transaction: bounds how long one commit holds the lock
WAIT_SECONDS = 30.0
SWEEP_SECONDS = 1.0  # how often an event loop fails the requests that waited too long
BUSY = "数据库繁忙，请稍后重试"  # what a request hears when the writer did not answer in time
logger = logging.getLogger(__name__)


class WriterUnavailable(XinyongError):
    """The writer did not answer in time (the database is locked or gone)."""

    status_code = 503
    code = "writer_unavailable"


@dataclass(frozen=True)
class BatchHandler(Generic[I, R]):
    """Work done for many items at once: one result (or exception) per item, in order.

    ``read``, if given, runs first in a read-only session when another writer holds the
    write lock, and returns the items with what it read; ``work`` must accept items either
    way (when the lock was free, and those that joined the group while the writer waited
    for it, or whose read failed, come to it as they were asked)."""

    name: str
    work: Callable[[Session, list[I]], Sequence[R | BaseException]]
    read: Callable[[Session, list[I]], list[I]] | None = None


@dataclass
class _Job:
    handler: BatchHandler[Any, Any]
    item: Any
    done: threading.Event = field(default_factory=threading.Event)
    future: asyncio.Future[Any] | None = None
    result: Any = None
    error: BaseException | None = None

    def deliver(self) -> None:
        """Hand the result (or error) to the waiting request, unless it went away."""
        future = self.future
        if future is None or future.done():
            return
        if self.error is not None:
            future.set_exception(self.error)
        else:
            future.set_result(self.result)


def _finish(jobs: list[_Job]) -> None:
    """Wake whoever waits for ``jobs``: threads at once, and each event loop once for all
    of its jobs (a wake-up per job cost the loop a system call and a callback each)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
    for job in jobs:
        if job.future is None:
            job.done.set()
        else:
            by_loop.setdefault(job.future.get_loop(), []).append(job)
    for loop, waiting in by_loop.items():
        loop.call_soon_threadsafe(_deliver_all, waiting)


def _deliver_all(jobs: list[_Job]) -> None:
    for job in jobs:
        job.deliver()


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(WriterUnavailable(BUSY))


class _Deadlines:
    """The requests of one event loop waiting for the writer, oldest first, and one timer
    that fails those that waited past ``WAIT_SECONDS`` (a timer per request, armed and
    cancelled, cost the loop as much as the rest of handing a check over). It holds its
    loop by no strong reference, not even through a future's: the writer maps loops to
    these weakly, and a loop that ended must be free to go."""

    def __init__(self) -> None:
        self.waiting: deque[tuple[float, weakref.ref[asyncio.Future[Any]]]] = deque()
        self.armed = False  # whether the sweep is scheduled (its handle holds the loop)

    def add(self, future: asyncio.Future[Any]) -> None:
        """Fail ``future`` if it is not answered in time."""
        loop = future.get_loop()
        self.waiting.append((loop.time() + WAIT_SECONDS, weakref.ref(future)))
        if not self.armed:
            loop.call_later(SWEEP_SECONDS, self._sweep)
            self.armed = True

    def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        now, waiting = loop.time(), self.waiting
        while waiting:
            deadline, ref = waiting[0]
            future = ref()
            if future is not None and not future.done() and deadline > now:
                break
            waiting.popleft()
            if future is not None:
                _expire(future)
        self.armed = bool(waiting)
        if waiting:
            loop.call_later(SWEEP_SECONDS, self._sweep)


def _one(work: Callable[[Session], R]) -> BatchHandler[None, R]:
    return BatchHandler("one", lambda session, items: [work(session) for _ in items])


class GroupWriter:
    """Runs work from many threads or tasks in shared transactions on one writer thread."""

    def __init__(self, database: Database, max_group: int = MAX_GROUP) -> None:
        self.database = database
        self.max_group = max_group
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._connection: Connection | None = None  # the writer thread's own
        self._deadlines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Deadlines] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def running(self) -> bool:
        """Whether work goes to the writer thread (otherwise each runs in its own transaction)."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the writer thread (not in tests, whose sessions share one connection)."""
        if self.database.connection is None and not self.running:
            self._thread = threading.Thread(target=self._loop, name="xinyong-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=WAIT_SECONDS)
            self._thread = None

    def run(self, work: Callable[[Session], R]) -> R:
        """Run ``work`` in a write transaction and return its result once committed."""
        return cast(R, self._wait(_Job(_one(work), None)))

    def submit(self, handler: BatchHandler[I, R], item: I) -> R:
        """Hand ``item`` to ``handler`` with whatever else is queued; its result once
        committed (blocking: for worker threads)."""
        return cast(R, self._wait(_Job(handler, item)))

    async def gather(self, handler: BatchHandler[I, R], item: I) -> R:
        """``submit`` for the event loop: waits without holding a worker thread."""
        if not self.running:
            return await run_in_threadpool(self.submit, handler, item)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.put(_Job(handler, item, future=future))
        deadlines = self._deadlines.get(loop)
        if deadlines is None:
            deadlines = self._deadlines[loop] = _Deadlines()
        deadlines.add(future)
        return await future

    def _wait(self, job: _Job) -> Any:
        if not self.running:
            self._flush([job])
        else:
            self._queue.put(job)
            if not job.done.wait(WAIT_SECONDS):
                raise WriterUnavailable(BUSY)
        if job.error is not None:
            raise job.error
        return job.result

    def _loop(self) -> None:
        try:
            self._groups()
        finally:
            self._disconnect()

    def _groups(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            jobs = [job]
            if self._drain(jobs):
                self._flush(jobs)
                return
            if self.database.write_lock_taken():
                self._read(jobs)
            if self._flush(jobs, more=True):
                return

    def _read(self, jobs: list[_Job]) -> None:
        """Run the handlers' reads outside the write lock, while another process writes."""
        for handler, members in _by_handler(jobs):
            if handler.read is None:
                continue
            try:
                with self.database.reading() as session:
                    items = handler.read(session, [j.item for j in members])
            except Exception:  # the work reads for itself, and fails there if it must
                logger.exception("reads of %d %s items failed", len(members), handler.name)
                continue
            for job, item in zip(members, items, strict=True):
                job.item = item

    def _drain(self, jobs: list[_Job]) -> bool:
        """Add what is queued to ``jobs`` (up to the group's size); whether the stop signal
        was among it."""
        while len(jobs) < self.max_group:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                return False
            if more is None:
                return True
            jobs.append(more)
        return False

    def _flush(self, jobs: list[_Job], more: bool = False) -> bool:
        """One transaction for the group, one call per handler; with ``more``, the group
        is joined by whatever was queued by the time the write lock is held. Whether the
        stop signal was met."""
        stopping = False
        try:
            with self._transaction() as session:
                if more:
                    # The lock is taken: the requests that queued while another process
                    # wrote join this group instead of waiting for the next one.
                    stopping = self._drain(jobs)
                for handler, members in _by_handler(jobs):
                    results = handler.work(session, [j.item for j in members])
                    for job, result in zip(members, results, strict=True):
                        _settle(job, result)
        except Exception:  # which item failed is found out one by one below
            self._flush_guarded(jobs)
            return stopping
        _finish(jobs)
        return stopping

    def _flush_guarded(self, jobs: list[_Job]) -> None:
        try:
            with self._transaction() as session:
                for job in jobs:
                    try:
                        with session.begin_nested():
                            (result,) = job.handler.work(session, [job.item])
                        _settle(job, result)
                    except Exception as exc:  # this item fails alone; the group goes on
                        job.result, job.error = None, exc
        except Exception as exc:  # the commit failed: nothing of the group is stored
            logger.exception("group write of %d items failed", len(jobs))
            for job in jobs:
                job.result, job.error = None, job.error or exc
        finally:
            _finish(jobs)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A write transaction (its lock taken), committed on success: on the writer
        thread, on the writer's own connection, kept from group to group (a session of
        the factory checked a connection out of the pool and back, pinged it and reset it
        for every group: docs/operations.md, Serving); elsewhere (tests, or before the
        thread starts), a write session of the database's own."""
        if threading.current_thread() is not self._thread:
            with self.database.writing() as session:
                yield session
            return
        if self._connection is None:
            self._connection = self.database.write_connection()
        connection = self._connection
        try:
            with (
                connection.begin(),
                Session(
                    bind=connection, join_transaction_mode="rollback_only", expire_on_commit=False
                ) as session,
            ):
                yield session
                session.commit()  # flushes; the connection's transaction commits on leaving
        except BaseException:
            if connection.invalidated:  # the database went away: the next group reconnects
                self._disconnect()
            raise

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _settle(job: _Job, result: Any) -> None:
    if isinstance(result, BaseException):
        job.result, job.error = None, result
    else:
        job.result, job.error = result, None


def _by_handler(jobs: list[_Job]) -> list[tuple[BatchHandler[Any, Any], list[_Job]]]:
    """Jobs grouped by handler, in the order each handler first appears."""
    groups: dict[int, tuple[BatchHandler[Any, Any], list[_Job]]] = {}
    for job in jobs:
        groups.setdefault(id(job.handler), (job.handler, []))[1].append(job)
    return list(groups.values())
