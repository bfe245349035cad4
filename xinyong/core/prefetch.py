"""Run an iterator one step ahead in a worker thread, so producing overlaps with consuming.

Ingestion reads and validates the next chunk (Polars, which releases the GIL) while the
current one is written (SQLite or PostgreSQL, which wait on I/O): two cores, one pipeline.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar, cast

T = TypeVar("T")

_DONE = object()


class _Failure:
    """An exception raised in the worker, to be raised again in the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetch(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order while a worker thread produces up to ``depth`` ahead.

    An exception in the worker is raised in the consumer at the item where it happened;
    when the consumer stops early (an exception, a break), the worker stops too."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as exc:
            offer(_Failure(exc))
            return
        offer(_DONE)

    worker = threading.Thread(target=work, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield cast(T, item)
    finally:
        stop.set()
        worker.join()
