"""The background checkpointer (后台检查点): WAL pages copied into the database off the
committing thread.

In WAL mode SQLite appends each commit to the write-ahead log and, once the log passes a
thousand pages, the connection whose commit crossed that line copies the log back into the
database and syncs it before its ``COMMIT`` returns. On the check desk that was one group
in every forty or so: 14-19 ms added to the commit of a group that otherwise commits in
0.2-1 ms, and it was the checks' p99. So a thread of its own copies the log as it grows:
a commit wakes it, it waits a moment for more commits to gather, then runs a passive
checkpoint on its own connection, which never blocks a reader or a writer.

A checkpoint running beside the writer rarely lets the log start afresh: that needs a write
transaction to begin after a checkpoint has copied every frame, and a commit nearly always
lands while this thread copies. With nothing else the log grew without end (past 1.6 GB in
a minute of checks, and a longer log makes every read slower). So the connections keep
SQLite's own automatic checkpoint as a fallback, at 32,000 pages (``FALLBACK_PAGES``, 256
MB of log): the commit that crosses that line copies what is left, syncs the log and the
database, and the next writer restarts the log; that group of checks stalls for 10-20 ms.
Under load the log grows about 7,000 pages a second, so at 4,000 pages the line was crossed
every half second or so and its stalls were the checks' p99; at 32,000, every four or five
seconds. Measured on the check desk, one process, six interleaved pairs of 10 s runs: p99
10.3-13.8 ms (median 12.3) at 32,000 pages against 13.1-15.9 ms (median 14.6) at 4,000,
at the same throughput within the machine's drift. Commits over 10 ms, in 25 s of load:
22 at 4,000 pages, 8 at 32,000 (the commit's own p99 rose from 0.9 to 3.3 ms, the log being
longer). Earlier, with the line at a thousand pages: 1,485-1,814 checks/s (p99 13-17 ms)
with this thread, 1,217-1,347 (p99 21-23 ms) without it.

Each checkpoint syncs, and a commit landing meanwhile is slowed: 288 of the slowest 1 % of
34,205 checks waited on a group slower than 8 ms, the slowest of them on commits made while
a checkpoint ran. Smaller, more frequent checkpoints slow each commit less. So the
thread gathers commits for 50 ms (``GATHER_SECONDS``), not 100: in five interleaved pairs
of one-process runs the check's p99 was 8.3-10.1 ms (median 9.1) against 9.7-13.2 ms
(median 11.5), at a median of 2,000 checks/s against 1,866. At a full second the p99 was
33-61 ms; at 20 ms, 7.3-10.1 ms, but with no more throughput than at 100 ms.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time

FALLBACK_PAGES = 32_000  # a connection checkpoints itself past this many log pages
GATHER_SECONDS = 0.05  # commits gathered into one checkpoint
logger = logging.getLogger(__name__)


class Checkpointer:
    """Checkpoints one database file's WAL in a daemon thread, woken by commits."""

    def __init__(self, path: str, gather_seconds: float = GATHER_SECONDS) -> None:
        self.path = path
        self.gather_seconds = gather_seconds
        self._wake = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._generation = 0  # a thread runs while the generation it started in lasts

    def committed(self) -> None:
        """Note a commit: the log has grown (starts the thread on the first commit of this
        process, so a process that never writes has none)."""
        if self._pid != os.getpid():
            self._start()
        self._wake.set()

    def _start(self) -> None:
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._thread = threading.Thread(
                target=self._loop,
                args=(self._generation,),
                name="xinyong-checkpointer",
                daemon=True,
            )
            self._thread.start()
            self._pid = os.getpid()

    def stop(self) -> None:
        """End the thread (the engine was disposed of); a later commit starts another."""
        with self._start_lock:
            thread, self._thread, self._pid = self._thread, None, 0
            self._generation += 1
            self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _loop(self, generation: int) -> None:
        try:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:  # the connections still checkpoint at FALLBACK_PAGES
            logger.warning("no background checkpoints for %s", self.path, exc_info=True)
            return
        try:
            while generation == self._generation:
                self._wake.wait()
                if generation != self._generation:
                    return
                time.sleep(self.gather_seconds)  # let the commits of the moment gather
                self._wake.clear()
                self.checkpoint(connection)
        finally:
            connection.close()

    @staticmethod
    def checkpoint(connection: sqlite3.Connection) -> tuple[int, int, int]:
        """One passive checkpoint: (busy, pages in the log, pages copied back)."""
        try:
            busy, log, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:  # a missing or locked file: the next commit tries again
            logger.warning("checkpoint of %s failed", connection, exc_info=True)
            return (1, -1, -1)
        return int(busy), int(log), int(copied)
