# ruff: noqa: S608 - statements are assembled from module constants only; values are bound
"""Set-based storage of a validated chunk: subjects, records, revisions, relations, quarantine.

A chunk is bulk-loaded into a temporary staging table (COPY on PostgreSQL, executemany on
SQLite); everything else is a handful of SQL statements over that table, the same on both
engines. No per-row ORM objects, no Python loop over the records table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, text

from xinyong.ingest.readers import LINE

STAGE = "ingest_stage"
STAGE_COLUMNS = (
    "line",
    "business_key",
    "code_type",
    "code",
    "subject_name",
    "subject_kind",
    "legacy_code",
    "birth_date",
    "decision_date",
    "action",
    "data",
    "original",
    "rep_name",
    "rep_code",
)
STAGE_DDL = f"""
CREATE TEMPORARY TABLE {STAGE} (
    line BIGINT NOT NULL, business_key TEXT NOT NULL, code_type VARCHAR(32),
    code VARCHAR(64), subject_name TEXT, subject_kind VARCHAR(32), legacy_code VARCHAR(64),
    birth_date DATE, decision_date DATE, action VARCHAR(16) NOT NULL, data TEXT NOT NULL,
    original TEXT NOT NULL, rep_name TEXT, rep_code VARCHAR(64),
    subject_id BIGINT, record_id BIGINT, old_data TEXT, old_status VARCHAR(32)
)"""
SEEN = "ingest_seen"
SEEN_DDL = f"CREATE TEMPORARY TABLE {SEEN} (business_key TEXT PRIMARY KEY, line BIGINT NOT NULL)"
# The line that first brought a key in this batch (for the duplicate message).
FIRST_LINE = f"(SELECT seen.line FROM {SEEN} seen WHERE seen.business_key = st.business_key)"
MISSING_RECORD = "要撤销的记录不存在（按业务主键未找到）"
DUPLICATE_IN_BATCH = "业务主键与第 {} 行重复"

# A row changes its record when its data differ, or it revives or withdraws it.
CHANGED = """(
    (st.action = 'upsert' AND (st.data <> st.old_data OR st.old_status = 'withdrawn'))
    OR (st.action = 'withdraw' AND st.old_status <> 'withdrawn')
)"""


@dataclass
class ChunkCounts:
    """What a chunk did."""

    new: int = 0
    revised: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    rejected: int = 0

    def add(self, other: ChunkCounts) -> None:
        """Accumulate another chunk's counts."""
        for name in ("new", "revised", "unchanged", "withdrawn", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def bulk_insert(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """The fastest plain insert each engine offers: COPY on PostgreSQL, executemany on SQLite."""
    raw = connection.connection.driver_connection
    assert raw is not None, "a live DBAPI connection"
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


class ChunkStore:
    """Writes chunks of one batch inside the batch's transaction."""

    def __init__(
        self,
        connection: Connection,
        *,
        batch_id: int,
        dataset_code: str,
        dataset_version: int,
        department_code: str,
        now: datetime,
    ) -> None:
        self.connection = connection
        self.params = {
            "batch": batch_id,
            "ds": dataset_code,
            "version": dataset_version,
            "dept": department_code,
            "now": now,
            "source": f"batch:{batch_id}",
        }
        for table, ddl in ((STAGE, STAGE_DDL), (SEEN, SEEN_DDL)):
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
            connection.execute(text(ddl))

    def close(self) -> None:
        """Drop the staging tables."""
        for table in (STAGE, SEEN):
            self.connection.execute(text(f"DROP TABLE IF EXISTS {table}"))

    def _sql(self, statement: str, **extra: Any) -> Any:
        return self.connection.execute(text(statement), {**self.params, **extra})

    def quarantine(self, rejected: pl.DataFrame) -> int:
        """Keep rejected rows with their reasons."""
        if rejected.is_empty():
            return 0
        batch = self.params["batch"]
        rows = (
            (batch, line, original, errors)
            for line, original, errors in rejected.select(LINE, "original", "errors").iter_rows()
        )
        bulk_insert(
            self.connection, "rejected_rows", ("batch_id", "line", "original", "errors"), rows
        )
        return rejected.height

    def store(self, accepted: pl.DataFrame) -> ChunkCounts:
        """Store a chunk's accepted rows; returns what they did."""
        counts = ChunkCounts()
        if accepted.is_empty():
            return counts
        frame = accepted.select(pl.col(LINE).alias("line"), *STAGE_COLUMNS[1:])
        bulk_insert(self.connection, STAGE, STAGE_COLUMNS, frame.iter_rows())
        counts.rejected = self._reject_seen()
        self._link()
        counts.rejected += self._reject_unmatched()
        tallies = self._sql(f"""
            SELECT
              SUM(CASE WHEN st.action = 'upsert' AND st.record_id IS NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN st.record_id IS NOT NULL AND st.action = 'upsert' AND {CHANGED}
                  THEN 1 ELSE 0 END),
              SUM(CASE WHEN st.record_id IS NOT NULL AND st.action = 'withdraw' AND {CHANGED}
                  THEN 1 ELSE 0 END),
              COUNT(*)
            FROM {STAGE} st""").one()
        counts.new, counts.revised, counts.withdrawn = (int(v or 0) for v in tallies[:3])
        counts.unchanged = int(tallies[3]) - counts.new - counts.revised - counts.withdrawn
        self._keep_history()
        self._apply_changes()
        self._insert_new()
        self._relate_representatives()
        self._sql(f"DELETE FROM {STAGE}")
        return counts

    def _link(self) -> None:
        """Create missing subjects; attach subject and existing record to each staged row."""
        self._sql(f"""
            INSERT INTO subjects (code_type, code, name, kind, legacy_code, birth_date,
                                  created_at, updated_at)
            SELECT code_type, code, MIN(subject_name), MIN(subject_kind), MIN(legacy_code),
                   MIN(birth_date), :now, :now
            FROM {STAGE} WHERE action = 'upsert'
            GROUP BY code_type, code
            ON CONFLICT (code_type, code) DO NOTHING""")
        self._sql(f"""
            UPDATE {STAGE} SET subject_id = s.id FROM subjects s
            WHERE s.code_type = {STAGE}.code_type AND s.code = {STAGE}.code""")
        self._sql(f"""
            UPDATE {STAGE} SET record_id = r.id, old_data = r.data, old_status = r.status
            FROM records r
            WHERE r.dataset_code = :ds AND r.business_key = {STAGE}.business_key""")

    def _reject(self, where: str, message: str) -> int:
        """Quarantine the staged rows matching ``where``; ``message`` may use ``first``."""
        rows = self._sql(
            f"SELECT st.line, st.original, {FIRST_LINE} FROM {STAGE} st WHERE {where}"
        ).all()
        if not rows:
            return 0
        batch = self.params["batch"]
        bulk_insert(
            self.connection,
            "rejected_rows",
            ("batch_id", "line", "original", "errors"),
            [
                (
                    batch,
                    line,
                    original,
                    json.dumps(
                        [
                            {
                                "field": "_key",
                                "name": "业务主键",
                                "value": None,
                                "message": message.format(first),
                            }
                        ],
                        ensure_ascii=False,
                    ),
                )
                for line, original, first in rows
            ],
        )
        self._sql(
            f"DELETE FROM {STAGE} WHERE line IN (SELECT st.line FROM {STAGE} st WHERE {where})"
        )
        return len(rows)

    def _reject_seen(self) -> int:
        """Keys an earlier chunk of this batch already brought are duplicates."""
        rejected = self._reject(
            f"st.business_key IN (SELECT business_key FROM {SEEN})", DUPLICATE_IN_BATCH
        )
        self._sql(f"INSERT INTO {SEEN} (business_key, line) SELECT business_key, line FROM {STAGE}")
        return rejected

    def _reject_unmatched(self) -> int:
        """A withdrawal must name a record that exists."""
        return self._reject("st.action = 'withdraw' AND st.record_id IS NULL", MISSING_RECORD)

    def _keep_history(self) -> None:
        """Copy every version about to be replaced into record_revisions."""
        self._sql(f"""
            INSERT INTO record_revisions (record_id, revision, status, dataset_version,
                decision_date, data, original, department_code, batch_id, line, received_at,
                superseded_by_batch)
            SELECT r.id, r.revision, r.status, r.dataset_version, r.decision_date, r.data,
                   r.original, r.department_code, r.batch_id, r.line, r.received_at, :batch
            FROM records r JOIN {STAGE} st ON st.record_id = r.id
            WHERE {CHANGED}""")

    def _apply_changes(self) -> None:
        """New revisions and withdrawals of existing records."""
        self._sql(f"""
            UPDATE records SET
                data = CASE WHEN st.action = 'withdraw' THEN records.data ELSE st.data END,
                original = st.original,
                subject_id = COALESCE(st.subject_id, records.subject_id),
                decision_date = CASE WHEN st.action = 'withdraw' THEN records.decision_date
                                     ELSE st.decision_date END,
                status = CASE WHEN st.action = 'withdraw' THEN 'withdrawn' ELSE 'active' END,
                revision = records.revision + 1, dataset_version = :version,
                department_code = :dept, batch_id = :batch, line = st.line, received_at = :now
            FROM {STAGE} st
            WHERE records.id = st.record_id AND {CHANGED}""")

    def _insert_new(self) -> None:
        self._sql(f"""
            INSERT INTO records (dataset_code, dataset_version, business_key, subject_id, status,
                revision, decision_date, data, original, department_code, batch_id, line,
                received_at)
            SELECT :ds, :version, business_key, subject_id, 'active', 1, decision_date, data,
                   original, :dept, :batch, line, :now
            FROM {STAGE} WHERE record_id IS NULL AND action = 'upsert'""")

    def _relate_representatives(self) -> None:
        """An organisation's legal representative becomes a subject and a relation (落实到人)."""
        self._sql(f"""
            INSERT INTO subjects (code_type, code, name, kind, created_at, updated_at)
            SELECT 'ric', rep_code, MIN(rep_name), 'person', :now, :now
            FROM {STAGE}
            WHERE rep_code IS NOT NULL AND rep_name IS NOT NULL AND subject_kind = 'organisation'
            GROUP BY rep_code
            ON CONFLICT (code_type, code) DO NOTHING""")
        self._sql(f"""
            INSERT INTO subject_relations (organisation_id, person_id, role, source, created_at)
            SELECT DISTINCT st.subject_id, p.id, 'legal_representative', :source, :now
            FROM {STAGE} st JOIN subjects p ON p.code_type = 'ric' AND p.code = st.rep_code
            WHERE st.subject_kind = 'organisation' AND st.rep_name IS NOT NULL
              AND NOT EXISTS (
                SELECT 1 FROM subject_relations x
                WHERE x.organisation_id = st.subject_id AND x.person_id = p.id
                  AND x.role = 'legal_representative' AND x.valid_to IS NULL)""")
