"""The background checkpointer (后台检查点): WAL pages copied into the database off the
committing thread.

In WAL mode SQLite appends each commit to the write-ahead log and, once the log passes a
thousand pages, the connection whose commit crossed that line copies the log back into the
database and syncs it before its ``COMMIT`` returns. On the check desk that was one group
in every forty or so: 14-19 ms added to the commit of a group that otherwise commits in
0.2-1 ms, and it was the checks' p99. So a thread of its own copies the log as it grows:
a commit wakes it, it waits a moment for more commits to gather, then runs a passive
checkpoint on its own connection, which never blocks a reader or a writer.

A checkpoint running beside the writer rarely copies the whole log (a commit lands while it
copies), and only a whole copy lets the next writer start the log afresh: with nothing
else, the log grew to 80 MB. So the connections keep SQLite's own automatic checkpoint,
at four thousand pages (``FALLBACK_PAGES``, 32 MB): by then this thread has copied most of
the log, so the commit that crosses the line copies little and leaves the log to be
restarted. Measured on the check desk, one process, runs interleaved: 1,485-1,814 checks/s
(p99 13-17 ms) with this thread and the line at a thousand pages, 1,217-1,347 (p99
21-23 ms) without the thread; at four thousand pages 1,702-1,737 (p99 14-15 ms), and a
batch of 10,000 codes, whose own commit crossed a thousand pages, took 0.64-0.69 s instead
of 0.70-0.73 s.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time

FALLBACK_PAGES = 4000  # a connection checkpoints itself past this many log pages
GATHER_SECONDS = 0.1  # commits gathered into one checkpoint
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
