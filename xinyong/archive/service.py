"""Archive use cases: the sweep that expires records, the recomputation of their clocks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.orm import Session

from xinyong.archive import search
from xinyong.archive.clocks import display_until, from_json
from xinyong.archive.visibility import past_period
from xinyong.audit import service as audit
from xinyong.catalog.definitions import Dataset, Policies
from xinyong.catalog.loader import Catalog
from xinyong.core.db import Database, keyset_chunks, refresh_statistics
from xinyong.core.security import Principal, Role
from xinyong.ingest.models import Record, RecordStatus
from xinyong.ingest.store import rows_source

if TYPE_CHECKING:  # lists build on the archive: imported where used
    from xinyong.lists.service import RecomputeResult

log = logging.getLogger("xinyong.archive")

RECOMPUTE_CHUNK = 50_000
# Who the audit trail names for the server's own daily sweep.
SWEEPER = Principal(kind="system", id=None, name="sweep", role=Role.PLATFORM_ADMIN)
EXPIRED = "records.expired"
RECOMPUTED = "records.periods_recomputed"


@dataclass
class SweepResult:
    """What a sweep did."""

    today: date
    expired: dict[str, int] = field(default_factory=dict)  # by dataset
    indexed: int = 0  # records the search index had left behind (archive.search.refresh)
    compacted: bool = False  # PostgreSQL's terms index rebuilt (archive.search.compact)

    @property
    def total(self) -> int:
        """Records marked expired in all."""
        return sum(self.expired.values())


def sweep(session: Session, principal: Principal, today: date) -> SweepResult:
    """Mark every record past its display period expired, in one statement, and log it.

    Readers never depend on this (visibility checks the date itself); the sweep makes the
    status say so, for staff, statistics and the feeds to other platforms."""
    counts = session.execute(
        select(Record.dataset_code, func.count())
        .where(past_period(today))
        .group_by(Record.dataset_code)
    ).all()
    result = SweepResult(today, {code: int(n) for code, n in counts})
    if result.total:
        session.execute(
            update(Record).where(past_period(today)).values(status=RecordStatus.EXPIRED),
            execution_options={"synchronize_session": False},
        )
        audit.record(
            session,
            principal,
            EXPIRED,
            target_type="records",
            detail={"today": today.isoformat(), "by_dataset": result.expired},
        )
    return result


def sweep_with_lists(
    database: Database, principal: Principal, catalog: Catalog, today: date
) -> tuple[SweepResult, RecomputeResult]:
    """The sweep, then the lists that follow records (entries end as records run out),
    then the search index's pending batches (a refresh cut short, a migration that asks
    for a re-index) and, on PostgreSQL, its rebuild once it has grown loose, then fresh
    planner statistics for the day's queries.

    Each step is its own transaction: on SQLite the write lock is held for one step, never
    the whole run (on the five-million-record city, the start-up sweep held it for the best
    part of a minute and checks waited behind it). Nothing depends on the steps committing
    together: a check or a page already ignores a record past its period, expired or not."""
    from xinyong.lists.definitions import get_lists  # lists build on the archive
    from xinyong.lists.service import recompute

    with database.writing() as session:
        result = sweep(session, principal, today)
    with database.writing() as session:
        lists = recompute(session, catalog, get_lists(catalog), today)
    result.indexed = search.refresh(database, catalog)
    result.compacted = search.compact(database)
    with database.writing() as session:
        refresh_statistics(session)
    return result, lists


async def sweep_periodically(database: Database, catalog: Catalog, hours: float) -> None:
    """The server's sweep: at start-up, then every ``hours``, records then the lists that
    follow them; a failure is logged and the next run tries again (readers check the date
    themselves, so nothing leaks meanwhile)."""

    def once() -> None:
        result, lists = sweep_with_lists(database, SWEEPER, catalog, date.today())
        log.info(
            "sweep: %d records expired, %d list changes, %d records indexed",
            result.total,
            lists.total,
            result.indexed,
        )

    while True:
        try:
            await asyncio.to_thread(once)
        except Exception:
            log.exception("sweep failed; retrying in %s hours", hours)
        await asyncio.sleep(hours * 3600)


def recompute_periods(
    connection: Connection, dataset: Dataset, policies: Policies, *, chunk: int = RECOMPUTE_CHUNK
) -> int:
    """Recompute the clock of every record of ``dataset`` under ``policies`` (after the
    periods changed), chunk by chunk in key order; returns the records whose date moved.
    Expired records whose new period has not run out are not revived: that is a decision."""
    until = display_until(dataset, policies, from_json(dataset))
    statement = select(Record.id, Record.data, Record.display_until).where(
        Record.dataset_code == dataset.code
    )
    moved = 0
    for rows in keyset_chunks(connection, statement, Record.id, chunk):
        frame = pl.DataFrame(
            rows, schema={"id": pl.Int64, "data": pl.String, "old": pl.Date}, orient="row"
        ).select("id", "old", until.alias("until"))
        changed = frame.filter(pl.col("old").ne_missing(pl.col("until"))).select("id", "until")
        if changed.is_empty():
            continue
        source, params = rows_source(connection, "c", changed)
        connection.execute(
            text(
                f"UPDATE records SET display_until = c.until FROM {source} "  # noqa: S608
                "WHERE records.id = c.id"
            ),
            params,
        )
        moved += changed.height
    return moved


def recompute_all(
    session: Session,
    principal: Principal,
    catalog: Catalog,
    progress: Callable[[str], None] = lambda code: None,
) -> dict[str, int]:
    """Recompute the clocks of every dataset that has records, and log it; returns the
    records moved by dataset. ``progress`` hears each dataset as it is done."""
    codes = session.scalars(select(Record.dataset_code).distinct()).all()
    moved: dict[str, int] = {}
    for code in codes:
        if code in catalog.datasets:
            moved[code] = recompute_periods(
                session.connection(), catalog.datasets[code], catalog.policies
            )
        progress(code)
    audit.record(
        session,
        principal,
        RECOMPUTED,
        target_type="records",
        detail={"policies": catalog.policies.version, "moved": moved},
    )
    return moved
